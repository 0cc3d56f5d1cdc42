using ModelOpt.Cache;
using ModelOpt.Cache.Settings;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cli.Commands;

/// <summary>
/// <c>modelopt optimize &lt;in&gt; -o &lt;out&gt; [--report r.json] [--markdown-report r.md] [options]</c>:
/// the same engine outside MSBuild, with the same cache (the per-user folder by default;
/// <c>--no-cache</c> turns it off).
/// </summary>
internal static class OptimizeCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        string? input = null, outputPath = null, report = null, markdown = null, html = null, distiller = null, distillerNative = null;
        var options = new List<KeyValuePair<string, string>>();
        var cacheSettings = new CacheSettings();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--no-cache")
            {
                cacheSettings = cacheSettings with { Enabled = false };
                continue;
            }
            if (!arg.StartsWith('-'))
            {
                if (input is not null) throw Usage($"unexpected argument '{arg}'");
                input = arg;
                continue;
            }
            if (i + 1 >= args.Count) throw Usage($"option '{arg}' needs a value");
            string value = args[++i];
            switch (arg)
            {
                case "-o" or "--output": outputPath = value; break;
                case "--report": report = value; break;
                case "--markdown-report": markdown = value; break;
                case "--html-report": html = value; break;
                case "--distiller": distiller = value; break;
                case "--distiller-native": distillerNative = value; break;
                case var _ when CacheSettings.IsSetting(arg.TrimStart('-')): cacheSettings = cacheSettings.With(arg.TrimStart('-'), value, null); break;
                default: options.Add(KeyValuePair.Create(arg.TrimStart('-'), value)); break;
            }
        }
        if (input is null || outputPath is null) throw Usage("a model and -o <output> are required");

        var job = new OptimizationJob(input, outputPath, report, markdown, null, OptimizationOptions.Parse(options, null, input)) { HtmlReportPath = html, DistillerPath = distiller, DistillerNativePath = distillerNative };
        // Progress goes to stderr: stdout carries the summary line and its details, for scripts.
        using var cache = ModelCache.Open(cacheSettings, error, null);
        var result = new OptimizationEngine(error, error, cache).Run(job);
        output.WriteLine(result.SummaryLine());
        foreach (string line in result.DetailLines()) output.WriteLine("  " + line);
        return CommandDispatcher.Success;
    }

    private static ModelOptException Usage(string why)
        => new(DiagnosticCode.InvalidArgument, null, $"optimize: {why}. Usage: modelopt optimize <model.onnx> -o <output.onnx> [--quantize Dynamic] [--per-channel true] ...");
}
