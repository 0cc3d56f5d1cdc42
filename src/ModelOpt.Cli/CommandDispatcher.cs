using ModelOpt.Cache.Settings;
using ModelOpt.Cli.Commands;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Runtime.Execution.Gpu;

namespace ModelOpt.Cli;

/// <summary>
/// Entry point of <c>modelopt</c>: expands response files, picks the command, and turns
/// expected failures into canonical MSBuild diagnostics (<c>file: error MOPTnnnn: text</c>)
/// so that the build task can forward them unchanged.
/// </summary>
internal static class CommandDispatcher
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    /// <summary>The process-wide option that makes the worker load ONNX Runtime from a folder (the GPU package's natives).</summary>
    public const string OnnxRuntimeNativeOption = "--onnxruntime-native";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            var arguments = ResponseFiles.Expand(args);
            // Process-wide options come before the command: the ONNX Runtime library must be
            // chosen before the first ONNX Runtime call of the process.
            while (arguments.Count >= 2 && arguments[0] == OnnxRuntimeNativeOption)
            {
                OnnxRuntimeNative.Use(arguments[1]);
                arguments.RemoveRange(0, 2);
            }
            if (arguments.Count == 0 || arguments[0] is "-h" or "--help" or "help")
            {
                output.WriteLine(Usage);
                return arguments.Count == 0 ? UsageError : Success;
            }
            if (arguments[0] is "--version" or "version")
            {
                output.WriteLine($"modelopt {Version}");
                return Success;
            }
            string command = arguments[0];
            var rest = arguments.Skip(1).ToList();
            if (rest.Count > 0 && rest[0] is "-h" or "--help")
            {
                // Every command's help is the one page: it lists every option of every command.
                output.WriteLine(Usage);
                return Success;
            }
            return command switch
            {
                "inspect" => InspectCommand.Run(rest, output),
                "optimize" => OptimizeCommand.Run(rest, output, error),
                "build" => BuildCommand.Run(rest, output, error),
                "compare" => CompareCommand.Run(rest, output),
                "samples" => SamplesCommand.Run(rest, output),
                _ => throw new ModelOptException(DiagnosticCode.InvalidArgument, null, $"unknown command '{command}'. Commands: inspect, optimize, compare, samples, build."),
            };
        }
        catch (ModelOptException e)
        {
            error.WriteLine(e.ToCanonicalString());
            return e.Code == DiagnosticCode.InvalidArgument ? UsageError : Failure;
        }
        catch (Exception e)
        {
            // A bug, not a user error: still report it as a diagnostic the build shows as an
            // error (with the stack on the following lines), never as a crash with exit code 134.
            error.WriteLine($"modelopt: error {DiagnosticCode.InternalError}: internal error, please report it: {e}");
            return Failure;
        }
    }

    /// <summary>The tool's version (the package version it was built with).</summary>
    public static string Version
        => typeof(CommandDispatcher).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>The help text; the optimize options are listed from the engine's option table.</summary>
    public static string Usage => $"""
        modelopt - build-time ONNX model optimization

        Usage:
          modelopt [--onnxruntime-native <folder>] <command> ...
                                                   load ONNX Runtime from <folder> (e.g. runtimes/linux-x64/native
                                                   of Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0) for CUDA
          modelopt inspect <model.onnx> [--json]   describe a model: producer, opsets, inputs/outputs,
                                                   op histogram, parameters, weight bytes, external data
          modelopt optimize <model.onnx> -o <out.onnx> [--report r.json] [--markdown-report r.md]
                   [--html-report r.html] [--no-cache] [cache options] [options]
          modelopt compare <a.onnx> <b.onnx> [--data dir] [--input-shapes x=1,3,224,224] [--samples N]
                   [--latency-runs N] [--json]     accuracy of b against a (cosine, max/mean abs error,
                                                   top-1 agreement per output) and CPU latency of both
          modelopt samples <model.onnx> --data <folder> -o <out-folder> [--image-size 224 ...]
                                                   write a data folder's samples (images decoded, text
                                                   tokenized) as <out>/<sample>/<input>.npy
          modelopt build @<response-file>          the MSBuild worker: blocks of --model ... --end
          modelopt @<response-file>                read arguments from a file, one per line
          modelopt --version                       the tool's version
          modelopt <command> --help                this page

        Options of optimize (every OptimizeModel metadata, kebab-case; default in brackets):
        {string.Join(Environment.NewLine, OptionTable.All.Select(OptionHelp))}

        Cache options of optimize and build (project properties ModelOpt...; they never change the model):
          --no-cache                               compute, and store nothing (--cache false)
        {string.Join(Environment.NewLine, CacheSettings.All.Select(s => $"  --{s.Option} {s.Values}  {s.Help} ({s.Property})"))}
        """;

    private static string OptionHelp(OptionDefinition d)
    {
        string values = d.Kind switch
        {
            OptionKind.Enum => string.Join("|", d.Values),
            OptionKind.Bool => "true|false",
            OptionKind.List => "a;b",
            OptionKind.Shapes => "x=1,3,224,224;y=1,128",
            OptionKind.Path => "path",
            OptionKind.Size => "224|320x48",
            OptionKind.Numbers => "n[,n,n]",
            _ => "number",
        };
        return $"  --{d.Option} {values}" + (d.Default.Length > 0 ? $" [{d.Default}]" : "");
    }
}
