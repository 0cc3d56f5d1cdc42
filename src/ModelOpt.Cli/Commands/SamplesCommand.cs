using System.Globalization;
using ModelOpt.Core.Data;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Cli.Commands;

/// <summary>
/// <c>modelopt samples &lt;model.onnx&gt; --data &lt;folder&gt; -o &lt;out-folder&gt; [--image-size 224 …]</c>:
/// reads a data folder as a build would for the model (images decoded and normalized, text
/// tokenized, tensors as they are) and writes every sample as <c>&lt;out&gt;/&lt;sample&gt;/&lt;input&gt;.npy</c>,
/// so what calibration and validation see can be checked with NumPy, and reused as a tensor folder.
/// </summary>
internal static class SamplesCommand
{
    public const string UsageText = "modelopt samples <model.onnx> --data <folder> -o <out-folder> [--image-size 224] [--image-resize Crop] [--image-scale 255] " +
        "[--image-mean m[,m,m]] [--image-std s[,s,s]] [--channel-order RGB] [--image-layout Auto] [--preprocessor prep.onnx] [--vocabulary vocab.txt] [--max-sequence-length 128]";

    /// <summary>The options that shape samples: the only optimize options this command takes.</summary>
    private static readonly HashSet<string> DataOptions = new(StringComparer.Ordinal)
    {
        "image-size", "image-resize", "image-scale", "image-mean", "image-std", "channel-order", "image-layout", "preprocessor", "vocabulary", "max-sequence-length",
    };

    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        string? model = null, data = null, outFolder = null;
        var pairs = new List<KeyValuePair<string, string>>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith('-'))
            {
                if (model is not null) throw Usage($"unexpected argument '{arg}'");
                model = arg;
                continue;
            }
            if (i + 1 >= args.Count) throw Usage($"{arg} needs a value");
            string value = args[++i];
            switch (arg)
            {
                case "--data": data = value; break;
                case "-o" or "--output": outFolder = value; break;
                default:
                    string option = arg.TrimStart('-');
                    if (!DataOptions.Contains(option)) throw Usage($"unknown option '{arg}'");
                    pairs.Add(KeyValuePair.Create(option, value));
                    break;
            }
        }
        if (model is null || data is null || outFolder is null) throw Usage("a model, --data and -o are needed");

        var options = OptimizationOptions.Parse(pairs, null, "modelopt samples");
        using var sessions = new SessionFactory(ExecutionTarget.Cpu);
        SampleSet samples;
        using (var onnx = OnnxModelReader.Load(model))
        {
            samples = SampleSet.FromFolder(data, "--data", SamplePurpose.Validation, options.ReadContext(onnx, sessions));
        }

        string root = Path.GetFullPath(outFolder);
        int count = 0;
        foreach (var sample in samples.Samples())
        {
            string folder = Path.Combine(root, FileName(sample.Name));
            Directory.CreateDirectory(folder);
            for (int k = 0; k < sample.Tensors.Count; k++)
            {
                var tensor = sample.Tensors[k];
                string name = tensor.Name ?? string.Create(CultureInfo.InvariantCulture, $"input_{k}");
                NpyWriter.Write(Path.Combine(folder, FileName(name) + ".npy"), tensor);
                output.WriteLine($"{sample.Name}: {name} {Onnx.Ir.ElementTypes.OnnxName(tensor.ElementType)}{tensor.ShapeText}");
            }
            count++;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{count} sample(s) written to {root}"));
        return CommandDispatcher.Success;
    }

    // Sample names hold ':' (text lines: "a.txt:3") and input names may hold '/' or ':' (tf2onnx's "input:0").
    private static string FileName(string name)
        => string.Concat(name.Select(c => Path.GetInvalidFileNameChars().Contains(c) || c is ':' or '/' or '\\' ? '_' : c));

    private static ModelOptException Usage(string what) => new(DiagnosticCode.InvalidArgument, null, $"{what}. Usage: {UsageText}");
}
