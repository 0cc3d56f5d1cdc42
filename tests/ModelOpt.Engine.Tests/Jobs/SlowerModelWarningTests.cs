using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Tests.Jobs;

/// <summary>A model that the default mode makes slower is announced (MOPT0184), not embedded silently.</summary>
public sealed class SlowerModelWarningTests
{
    [Fact]
    public void Dynamic_quantization_of_a_tiny_MatMul_warns_that_the_model_got_slower()
    {
        // A 1x8 by 8x8 product: DynamicQuantizeLinear + MatMulInteger + rescaling cost several
        // times the one float MatMul they replace, far beyond measurement noise.
        using var folder = new TempFolder();
        string model = folder.File("tiny.onnx");
        var g = new GraphBuilder("tiny");
        g.Output(g.Op("MatMul", [g.Input("x", 1, 8), g.Weight("w", [8, 8], Enumerable.Range(0, 64).Select(i => (i % 7) / 7f).ToArray())], "y"));
        using (var built = g.Build(13)) OnnxModelWriter.Save(built, model);
        var diagnostics = new StringWriter();
        var options = OptimizationOptions.Parse([KeyValuePair.Create("latency-runs", "200"), KeyValuePair.Create("min-cosine-similarity", "0")], null, model);

        var report = new OptimizationEngine(diagnostics).Run(new OptimizationJob(model, folder.File("out.onnx"), null, null, "app.csproj", options));

        Assert.True(report.Latency!.Ratio > 1.05, $"latency ratio {report.Latency.Ratio}");
        string warning = Assert.Single(diagnostics.ToString().Split('\n'), l => l.Contains("warning MOPT0184", StringComparison.Ordinal));
        Assert.StartsWith("app.csproj: warning MOPT0184: ", warning, StringComparison.Ordinal);
        Assert.Contains("Quantize=\"Auto\"", warning, StringComparison.Ordinal);
    }
}
