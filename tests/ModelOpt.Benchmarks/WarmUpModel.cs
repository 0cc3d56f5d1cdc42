using ModelOpt.Onnx.Analysis;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Benchmarks;

/// <summary>
/// Runs the code paths a measurement uses (load, summarize, save; inline and external data) on a
/// tiny model first, so JIT compilation and assembly loading land in the baseline, not in the peak.
/// </summary>
internal static class WarmUpModel
{
    public static void Run(string scratchDirectory)
    {
        string folder = Path.Combine(scratchDirectory, "warmup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string inline = Path.Combine(folder, "inline.onnx");
            string external = Path.Combine(folder, "external.onnx");
            using (var model = Create())
            {
                OnnxModelWriter.Save(model, inline, new ModelSaveOptions { ExternalData = ExternalDataMode.Never });
                OnnxModelWriter.Save(model, external, new ModelSaveOptions { ExternalData = ExternalDataMode.Always });
            }
            RoundTrip(inline, Path.Combine(folder, "inline-copy", "model.onnx"), ModelSaveOptions.Default);
            RoundTrip(external, Path.Combine(folder, "external-copy", "model.onnx"), new ModelSaveOptions { ExternalData = ExternalDataMode.Always });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void RoundTrip(string source, string destination, ModelSaveOptions options)
    {
        using var model = OnnxModelReader.Load(source);
        _ = ModelSummary.Create(model);
        OnnxModelWriter.Save(model, destination, options);
    }

    // y = x + w with a 1 KiB weight: large enough for the default external-data threshold.
    private static OnnxModel Create()
    {
        var graph = new Graph("warmup");
        var x = new Value("x");
        graph.Inputs.Add(x);
        var w = graph.AddInitializer("w", Tensor.FromFloats("w", [16, 16], new float[256]));
        var add = new Node("Add", [x, w], ["y"], name: "add");
        graph.AddNode(add);
        graph.Outputs.Add(add.Outputs[0]!);
        return new OnnxModel(graph, opsetVersion: 17);
    }
}
