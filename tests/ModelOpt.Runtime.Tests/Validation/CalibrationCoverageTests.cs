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
        // Clipping alone: y = Relu(Clip(a, -2, 3.1)) = [3.1, 0, 0, 2] against [5.6, 0, 0, 2].
        double expected = ((3.1 * 5.6) + 4) / (Math.Sqrt((3.1 * 3.1) + 4) * Math.Sqrt((5.6 * 5.6) + 4));
        Assert.Equal(expected, Assert.Single(outside.ClippedCosines, c => c.Key == "y").Value, 5);
        Assert.Equal(0, _sessions.OpenSessions);
    }

    [Fact]
    public void The_explanation_blames_the_ranges_only_where_clipping_alone_causes_most_of_a_failed_cosine()
    {
        RangeOvershoot[] coverage =
        [
            Overshoot(0, "a.png", 0.7, ("scores", 0.88), ("boxes", 0.999)),
            Overshoot(1, "b.png", 2.0, ("scores", 0.998), ("boxes", 0.9999)),
        ];
        AccuracyViolation[] violations =
        [
            new("scores", AccuracyGate.MinCosineSimilarity, 0.86, 0.99, 0, "a.png"),
            new("boxes", AccuracyGate.MinCosineSimilarity, 0.98, 0.99, 1, "b.png"),
        ];

        // a.png: clipping alone 0.88 of the quantized 0.86 (86% of the error); b.png reaches further but clipping is 0.5% of its error.
        string? cause = CalibrationCoverage.Explain(coverage, violations, calibrated: true);
        Assert.NotNull(cause);
        Assert.StartsWith("The calibrated ranges cause it: with every quantized activation clipped to its range and nothing rounded, the float model's output 'scores' on sample 0 'a.png' has cosine 0.88 (quantized: 0.86); the sample drives 'relu:0' to [0, 6.8] against [0, 4] (3 of 100 values clipped)", cause, StringComparison.Ordinal);
        Assert.EndsWith("add such inputs to CalibrationData.", cause, StringComparison.Ordinal);
        Assert.Contains("give CalibrationData with inputs like it", CalibrationCoverage.Explain(coverage, violations, calibrated: false), StringComparison.Ordinal);

        Assert.Null(CalibrationCoverage.Explain(coverage, violations[1..], calibrated: true));
        // Only cosine checks are explained, and only on a sample that left its ranges.
        Assert.Null(CalibrationCoverage.Explain(coverage, [new("scores", AccuracyGate.MaxAbsoluteError, 3, 1, 0, "a.png")], calibrated: true));
        Assert.Null(CalibrationCoverage.Explain([], violations, calibrated: true));
    }

    private static RangeOvershoot Overshoot(int sample, string name, double overshoot, params (string Output, double Cosine)[] clipped)
        => new(sample, name, "relu:0", "relu", 0, 4, 0, 4 + (overshoot * 4), 3, 100, overshoot, clipped.ToDictionary(c => c.Output, c => c.Cosine));
}
