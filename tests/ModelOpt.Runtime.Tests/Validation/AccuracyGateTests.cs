using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Validation;

public sealed class AccuracyGateTests
{
    private static ComparisonResult Result(params OutputMetrics[] outputs) => new(outputs, 8, "ValidationData folder /data/val", []);

    /// <summary>An output measured on one sample, "s0": its worst values are its only ones.</summary>
    private static OutputMetrics One(string output, double cosine, double maxError, double meanError, double? topOne, long elements)
        => OutputMetrics.FromSamples(output, [new SampleMetrics(0, "s0", cosine, maxError, meanError, topOne)], meanError, topOne, elements);

    [Fact]
    public void TheDefaultChecksCosineOnly()
    {
        Assert.Equal(0.99, AccuracyThresholds.DefaultMinCosineSimilarity);
        Assert.Equal(new AccuracyThresholds(0.99, 0, 0), AccuracyThresholds.Default);
        Assert.False(AccuracyThresholds.Default.IsOff);
        Assert.True(new AccuracyThresholds(0, 0, 0).IsOff);

        var passing = Result(One("logits", 0.995, 123.0, 4.0, 0.1, 80));
        Assert.Empty(AccuracyGate.Check(passing, AccuracyThresholds.Default));
        var failing = Result(One("logits", 0.98996, 0.001, 0.0001, 1.0, 80));
        Assert.Equal([new AccuracyViolation("logits", "MinCosineSimilarity", 0.98996, 0.99, 0, "s0")], AccuracyGate.Check(failing, AccuracyThresholds.Default));
        Assert.Empty(AccuracyGate.Check(failing, new AccuracyThresholds(0, 0, 0)));
    }

    [Fact]
    public void EveryThresholdIsCheckedOnEveryOutputInOrder()
    {
        var result = Result(
            One("a", 0.95, 0.5, 0.1, 0.75, 10),
            One("b", 0.999, 0.01, 0.001, null, 10),
            One("c", 0.999, 0.2, 0.01, 1.0, 10));
        var violations = AccuracyGate.Check(result, new AccuracyThresholds(0.99, 0.1, 0.8));
        Assert.Equal(
        [
            new AccuracyViolation("a", "MinCosineSimilarity", 0.95, 0.99, 0, "s0"),
            new AccuracyViolation("a", "MaxAbsoluteError", 0.5, 0.1, 0, "s0"),
            new AccuracyViolation("a", "MinTopOneAgreement", 0.75, 0.8, 0, "s0"),
            new AccuracyViolation("c", "MaxAbsoluteError", 0.2, 0.1, 0, "s0"),
        ], violations);
    }

    [Fact]
    public void NonFiniteMetricsFail()
    {
        var result = Result(One("y", double.NaN, double.PositiveInfinity, double.PositiveInfinity, null, 4));
        var violations = AccuracyGate.Check(result, new AccuracyThresholds(0.5, 1000, 0));
        Assert.Equal(["MinCosineSimilarity", "MaxAbsoluteError"], violations.Select(v => v.Metric));
    }

    [Fact]
    public void TheMessageSaysWhatFailedAndWhatToDo()
    {
        var result = Result(One("logits", 0.9812345678, 2.5, 0.3, 0.875, 8000));
        var violations = AccuracyGate.Check(result, new AccuracyThresholds(0.99, 1, 0.9));
        string message = AccuracyGate.FormatMessage("/src/Models/resnet18.onnx", result, violations);
        Assert.Equal(
            "the optimized model of '/src/Models/resnet18.onnx' fails the accuracy gate on 8 samples (ValidationData folder /data/val): " +
            "output 'logits', worst sample 0 's0': cosine similarity 0.9812346 is below the required MinCosineSimilarity=0.99; " +
            "output 'logits', worst sample 0 's0': max absolute error 2.5 is above the allowed MaxAbsoluteError=1; " +
            "output 'logits' (all samples; lowest on sample 0 's0'): top-1 agreement 0.875 is below the required MinTopOneAgreement=0.9. " +
            "Relax the threshold (e.g. MinCosineSimilarity; 0 switches a check off), exclude the sensitive nodes from optimization (ExcludeNodes/ExcludeOpTypes), or choose another Quantize mode.",
            message);

        var e = AccuracyGate.ToException("/src/Models/resnet18.onnx", result, violations);
        Assert.Equal(DiagnosticCode.AccuracyGateFailed, e.Code);
        Assert.Equal("MOPT0180", e.Code);
        Assert.Equal("/src/Models/resnet18.onnx: error MOPT0180: " + message, e.ToCanonicalString());
    }

    [Fact]
    public void TheWorstSampleIsCheckedNotTheMean()
    {
        // Three good samples and one bad one: the mean (0.9475) would pass a 0.9 gate, the worst (0.8) does not.
        var output = OutputMetrics.FromSamples("y",
        [
            new SampleMetrics(0, "a.npy", 0.99, 0.1, 0.01, null),
            new SampleMetrics(1, "b.npy", 0.8, 0.2, 0.05, null),
            new SampleMetrics(2, "c.npy", 1.0, 0.9, 0.02, null),
            new SampleMetrics(3, "d.npy", 1.0, 0.9, 0.03, null),
        ], 0.0275, null, 40);
        Assert.Equal((0.8, 1, "b.npy"), (output.WorstCosine, output.WorstCosineSample, output.WorstCosineSampleName));
        Assert.Equal(0.9475, output.MeanCosine, 12);
        // The largest error is the first sample that has it.
        Assert.Equal((0.9, 2, "c.npy"), (output.MaxAbsoluteError, output.WorstErrorSample, output.WorstErrorSampleName));
        Assert.Equal(0.525, output.MeanMaxAbsoluteError, 12);

        var violations = AccuracyGate.Check(Result(output), new AccuracyThresholds(0.9, 0.5, 0));
        Assert.Equal(
        [
            new AccuracyViolation("y", "MinCosineSimilarity", 0.8, 0.9, 1, "b.npy"),
            new AccuracyViolation("y", "MaxAbsoluteError", 0.9, 0.5, 2, "c.npy"),
        ], violations);
    }

    [Fact]
    public void ANaNSampleIsTheWorst()
    {
        var output = OutputMetrics.FromSamples("y",
        [
            new SampleMetrics(0, "ok", 0.5, 0.1, 0.01, null),
            new SampleMetrics(1, "nan", double.NaN, double.PositiveInfinity, double.PositiveInfinity, null),
            new SampleMetrics(2, "low", 0.1, 0.1, 0.01, null),
        ], double.PositiveInfinity, null, 30);
        Assert.Equal(1, output.WorstCosineSample);
        Assert.True(double.IsNaN(output.WorstCosine));
        Assert.Equal(1, output.WorstErrorSample);
    }
}
