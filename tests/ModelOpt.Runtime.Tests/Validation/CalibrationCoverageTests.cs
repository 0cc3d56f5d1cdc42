using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Validation;

public sealed class CalibrationCoverageTests : IDisposable
{
    private readonly SessionFactory _sessions = new();

    public void Dispose() => _sessions.Dispose();

    /// <summary>x → Mul(2) 'a' → Relu 'r' → y: the float model.</summary>
    private static OnnxModel Source()
    {
        var g = new GraphBuilder("source");
        var x = g.Input("x", 1, 4);
        var a = g.Node("Mul", [x, g.Weight("two", [], [2f])], ["a"], "double").Outputs[0];
        g.Output(g.Node("Relu", [a], ["y"], "relu").Outputs[0]!);
        return g.Build(13);
    }

    /// <summary>The same with 'a' quantized to uint8 with scale 0.02 and zero point 100: the grid covers [-2, 3.1].</summary>
    private static OnnxModel Quantized()
    {
        var g = new GraphBuilder("quantized");
        var x = g.Input("x", 1, 4);
        var a = g.Node("Mul", [x, g.Weight("two", [], [2f])], ["a"], "double").Outputs[0];
        var scale = g.Weight("a_scale", [], [0.02f]);
        var zeroPoint = g.Graph.AddInitializer("a_zero_point", Tensor.FromRawData("a_zero_point", ElementType.UInt8, [], new byte[] { 100 }));
        var q = g.Node("QuantizeLinear", [a, scale, zeroPoint], ["a_q"], "a_QuantizeLinear").Outputs[0];
        var dq = g.Node("DequantizeLinear", [q, scale, zeroPoint], ["a_dq"], "a_DequantizeLinear").Outputs[0];
        g.Output(g.Node("Relu", [dq], ["y"], "relu").Outputs[0]!);
        return g.Build(13);
    }

    private static SampleSet Samples(params float[][] inputs)
        => SampleSet.FromSamples(inputs.Select((x, i) => new Sample($"s{i}", [SampleTensor.FromFloats("x", [1, 4], x)])).ToList());

    [Fact]
    public void Each_sample_reports_its_value_furthest_outside_the_grid()
    {
        using var source = Source();
        using var quantized = Quantized();

        // s0 stays inside [-2, 3.1]; s1 reaches 'a' = 5.6 (2.5 above, about half the width of 5.1) and -3 (1 below).
        var coverage = CalibrationCoverage.Measure(_sessions, source, quantized, Samples([0.5f, -0.5f, 1f, 1.5f], [2.8f, -1.5f, 0f, 1f]), "m.onnx");

        var outside = Assert.Single(coverage);
        Assert.Equal((1, "s1", "a", "double"), (outside.Sample, outside.SampleName, outside.Value, outside.Node));
        Assert.Equal(-2.0, outside.RangeMin, 5);
        Assert.Equal(3.1, outside.RangeMax, 5);
        Assert.Equal(-3.0, outside.SeenMin, 5);
        Assert.Equal(5.6, outside.SeenMax, 5);
        Assert.Equal((2L, 4L), (outside.Clipped, outside.Elements));
        Assert.Equal(2.5 / 5.1, outside.Overshoot, 5);
        Assert.Equal(0, _sessions.OpenSessions);
    }

    [Fact]
    public void The_explanation_names_the_failing_sample_that_left_its_ranges_furthest()
    {
        RangeOvershoot[] coverage =
        [
            new(0, "a.png", "conv:0", "conv", 0, 4, 0, 9, 12, 100, 1.25),
            new(1, "b.png", "relu:0", "relu", 0, 4, 0, 7, 3, 100, 0.75),
            new(2, "c.png", "add:0", "add", -2, 2, -2.5, 2, 1, 100, 0.125),
        ];

        string? onlyB = CalibrationCoverage.Explain(coverage, [1, 2], calibrated: true);
        Assert.NotNull(onlyB);
        Assert.StartsWith("Validation sample 1 'b.png' drives 'relu:0' to [0, 7], 0.75 of its calibrated range's width beyond [0, 4] (3 of 100 values clipped)", onlyB, StringComparison.Ordinal);
        Assert.EndsWith("add such inputs to CalibrationData.", onlyB, StringComparison.Ordinal);

        Assert.Contains("'a.png'", CalibrationCoverage.Explain(coverage, [0, 1, 2], calibrated: true), StringComparison.Ordinal);
        Assert.Contains("give CalibrationData with inputs like it", CalibrationCoverage.Explain(coverage, [0], calibrated: false), StringComparison.Ordinal);
        // A small overshoot (inputs of the same kind exceed a few calibration inputs' ranges by that much) explains nothing.
        Assert.Null(CalibrationCoverage.Explain(coverage, [2], calibrated: true));
        Assert.Null(CalibrationCoverage.Explain([], [0], calibrated: true));
    }
}
