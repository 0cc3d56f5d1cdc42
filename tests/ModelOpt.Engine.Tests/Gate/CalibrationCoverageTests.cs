using ModelOpt.Core.Data;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Tests.Gate;

/// <summary>
/// A Static model checked on held-out inputs that its calibration data did not represent: the
/// gate's message and the report name the sample and the activation that left its calibrated
/// range, and say to calibrate on inputs like it; inputs like the calibration ones get no such word.
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
        Assert.Contains("Validation sample 0 'bright.npy' drives 'x' to", error.Message, StringComparison.Ordinal);
        Assert.Contains("add such inputs to CalibrationData", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("out.onnx")));

        var diagnostics = new StringWriter();
        var report = Run(folder, model, calibration, validation, "Warning", diagnostics);
        var bright = Assert.Single(report.CalibrationCoverage, o => o.SampleName == "bright.npy");
        Assert.True(bright.Overshoot >= 0.5 && bright.Clipped > 0 && bright.SeenMax > bright.RangeMax, $"{bright}");
        Assert.Equal(("x", ""), (bright.Value, bright.Node));
        Assert.InRange(bright.Overshoot, 3.5, 4.5);
        Assert.DoesNotContain(report.CalibrationCoverage, o => o.SampleName == "like.npy" && o.Overshoot >= 0.5);
        Assert.Contains(report.Notes, n => n.StartsWith("Validation sample 0 'bright.npy'", StringComparison.Ordinal));
        Assert.Contains("'bright.npy' drives", diagnostics.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Held_out_samples_like_the_calibration_ones_get_no_word_on_calibration()
    {
        using var folder = new TempFolder();
        string model = SaveConvNet(folder.File("net.onnx"));
        string calibration = WriteSamples(folder.File("calibration"), ("c0", 1f, 0), ("c1", 1f, 1), ("c2", 1f, 2), ("c3", 1f, 3));
        string validation = WriteSamples(folder.File("validation"), ("v0", 1f, 4), ("v1", 0.9f, 5));

        var report = Run(folder, model, calibration, validation, "Warning");

        Assert.All(report.CalibrationCoverage, o => Assert.True(o.Overshoot < 0.5, $"{o}"));
        Assert.DoesNotContain(report.Notes, n => n.Contains("CalibrationData", StringComparison.Ordinal));
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

    private static Reports.OptimizationReport Run(TempFolder folder, string model, string calibration, string validation, string gate, TextWriter? diagnostics = null)
        => new OptimizationEngine(diagnostics ?? TextWriter.Null).Run(new OptimizationJob(model, folder.File("out.onnx"), null, null, null,
            Options(("quantize", "Static"), ("calibration-data", calibration), ("validation-data", validation), ("accuracy-gate", gate),
                ("accuracy-fallback", "false"), ("latency-runs", "0"))));

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
