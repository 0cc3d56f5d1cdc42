using ModelOpt.Core.Data;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Tests.Gate;

/// <summary>
/// A Static model checked on held-out inputs that its calibration data did not represent: the
/// gate's message and the report say that clipping to the calibrated ranges causes the failure,
/// name the sample and the activation that left its range, and ask for calibration inputs like it;
/// inputs like the calibration ones get no such word.
/// </summary>
public sealed class CalibrationCoverageTests
{
    private const int Channels = 4, Side = 8;

    [Fact]
    public void A_held_out_sample_beyond_the_calibrated_ranges_is_named_in_the_gate_failure()
    {
        using var folder = new TempFolder();
        string model = SaveConvNet(folder.File("net.onnx"));
        string calibration = WriteSamples(folder.File("calibration"), ("c0", 1f, 0), ("c1", 1f, 1), ("c2", 1f, 2), ("c3", 1f, 3));
        // The same kind of input five times as bright: the input itself leaves its range furthest (4 widths beyond [0, 1]).
        string validation = WriteSamples(folder.File("validation"), ("like", 1f, 4), ("bright", 5f, 5));

        var error = Assert.Throws<ModelOptException>(() => Run(folder, model, calibration, validation, "Error"));

        Assert.Equal(DiagnosticCode.AccuracyGateFailed, error.Code);
        Assert.Contains("The calibrated ranges cause it", error.Message, StringComparison.Ordinal);
        Assert.Contains("on sample 0 'bright.npy'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the sample drives 'x' to", error.Message, StringComparison.Ordinal);
        Assert.Contains("add such inputs to CalibrationData", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("out.onnx")));

        var diagnostics = new StringWriter();
        var report = Run(folder, model, calibration, validation, "Warning", diagnostics);
        var bright = Assert.Single(report.CalibrationCoverage, o => o.SampleName == "bright.npy");
        Assert.True(bright.Overshoot >= 0.5 && bright.Clipped > 0 && bright.SeenMax > bright.RangeMax, $"{bright}");
        Assert.Equal(("x", ""), (bright.Value, bright.Node));
        Assert.InRange(bright.Overshoot, 3.5, 4.5);
        // Clipping alone explains the failure: the clipped float model is about as far off as the quantized one.
        double quantized = Assert.Single(report.Accuracy.Comparison.Outputs).Samples.Single(s => s.Name == "bright.npy").Cosine;
        Assert.True(1 - bright.ClippedCosines["y"] >= 0.5 * (1 - quantized), $"clipped {bright.ClippedCosines["y"]}, quantized {quantized}");
        Assert.DoesNotContain(report.CalibrationCoverage, o => o.SampleName == "like.npy" && o.Overshoot >= 0.5);
        Assert.Contains(report.Notes, n => n.StartsWith("The calibrated ranges cause it", StringComparison.Ordinal) && n.Contains("'bright.npy'", StringComparison.Ordinal));
        Assert.Contains("on sample 0 'bright.npy'", diagnostics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_from_rounding_is_not_blamed_on_the_calibration_data()
    {
        using var folder = new TempFolder();
        string model = SaveConvNet(folder.File("net.onnx"));
        string calibration = WriteSamples(folder.File("calibration"), ("c0", 1f, 0), ("c1", 1f, 1), ("c2", 1f, 2), ("c3", 1f, 3));
        string validation = WriteSamples(folder.File("validation"), ("v0", 1f, 4), ("v1", 0.9f, 5));

        // No 8-bit model meets a cosine of 0.999999; the inputs are of the calibration data's kind.
        var report = Run(folder, model, calibration, validation, "Warning", extra: ("min-cosine-similarity", "0.999999"));

        Assert.False(report.Accuracy.Passed);
        Assert.All(report.CalibrationCoverage, o => Assert.All(o.ClippedCosines.Values, c => Assert.True(c > 0.99999, $"{o.SampleName}: {c}")));
        Assert.DoesNotContain(report.Notes, n => n.Contains("CalibrationData", StringComparison.Ordinal));

        // A passing model is not measured: the measurement only explains failures.
        var passing = Run(folder, model, calibration, validation, "Warning");
        Assert.True(passing.Accuracy.Passed);
        Assert.Empty(passing.CalibrationCoverage);
    }

    [Fact]
    public void Coverage_is_measured_only_for_Static_on_held_out_inputs()
    {
        using var folder = new TempFolder();
        string model = SaveConvNet(folder.File("net.onnx"));
        string calibration = WriteSamples(folder.File("calibration"), ("c0", 1f, 0), ("c1", 1f, 1));
        string validation = WriteSamples(folder.File("validation"), ("bright", 5f, 5));

        // In-sample (no ValidationData) and Dynamic: nothing to say about calibration coverage.
        var inSample = new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(model, folder.File("a.onnx"), null, null, null,
            Options(("quantize", "Static"), ("calibration-data", calibration), ("accuracy-gate", "Warning"), ("accuracy-fallback", "false"), ("latency-runs", "0"))));
        var dynamic = new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(model, folder.File("b.onnx"), null, null, null,
            Options(("quantize", "Dynamic"), ("validation-data", validation), ("accuracy-gate", "Warning"), ("accuracy-fallback", "false"), ("latency-runs", "0"))));

        Assert.Empty(inSample.CalibrationCoverage);
        Assert.Empty(dynamic.CalibrationCoverage);
    }

    private static Reports.OptimizationReport Run(TempFolder folder, string model, string calibration, string validation, string gate,
        TextWriter? diagnostics = null, params (string Name, string Value)[] extra)
        => new OptimizationEngine(diagnostics ?? TextWriter.Null).Run(new OptimizationJob(model, folder.File("out.onnx"), null, null, null,
            Options([("quantize", "Static"), ("calibration-data", calibration), ("validation-data", validation), ("accuracy-gate", gate),
                ("accuracy-fallback", "false"), ("latency-runs", "0"), .. extra])));

    private static OptimizationOptions Options(params (string Name, string Value)[] pairs)
        => OptimizationOptions.Parse(pairs.Select(p => KeyValuePair.Create(p.Name, p.Value)), null, "test");

    /// <summary>x → 3×3 Conv → Relu → 1×1 Conv → y, with fixed weights of both signs.</summary>
    private static string SaveConvNet(string path)
    {
        var g = new GraphBuilder("net");
        var x = g.Input("x", 1, Channels, Side, Side);
        var w1 = g.Weight("w1", [8, Channels, 3, 3], Wave(8 * Channels * 9, 0.37f, 0.3f));
        var b1 = g.Weight("b1", [8], Wave(8, 1.3f, 0.1f));
        var w2 = g.Weight("w2", [Channels, 8, 1, 1], Wave(Channels * 8, 0.71f, 0.5f));
        var hidden = g.Node("Conv", [x, w1, b1], ["h"], "conv1", NodeAttribute.FromInts("kernel_shape", [3, 3]), NodeAttribute.FromInts("pads", [1, 1, 1, 1])).Outputs[0]!;
        var relu = g.Node("Relu", [hidden], ["r"], "relu").Outputs[0]!;
        g.Output(g.Node("Conv", [relu, w2], ["y"], "conv2").Outputs[0]!);
        using var built = g.Build(13);
        OnnxModelWriter.Save(built, path);
        return path;
    }

    private static float[] Wave(int count, float step, float amplitude) => [.. Enumerable.Range(0, count).Select(i => amplitude * MathF.Sin(1 + i * step))];

    /// <summary>One .npy per sample: values in [0, brightness), a different pattern per seed.</summary>
    private static string WriteSamples(string folder, params (string Name, float Brightness, int Seed)[] samples)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, brightness, seed) in samples)
        {
            var random = new Random(seed);
            var values = Enumerable.Range(0, Channels * Side * Side).Select(_ => brightness * (float)random.NextDouble()).ToArray();
            NpyWriter.Write(Path.Combine(folder, name + ".npy"), SampleTensor.FromFloats("x", [1, Channels, Side, Side], values));
        }
        return folder;
    }
}
