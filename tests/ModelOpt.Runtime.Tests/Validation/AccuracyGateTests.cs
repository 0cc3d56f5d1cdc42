using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Validation;

public sealed class AccuracyGateTests
{
    private static ComparisonResult Result(params OutputMetrics[] outputs) => new(outputs, 8, "ValidationData folder /data/val", []);

    [Fact]
    public void TheDefaultChecksCosineOnly()
    {
        Assert.Equal(0.99, AccuracyThresholds.DefaultMinCosineSimilarity);
        Assert.Equal(new AccuracyThresholds(0.99, 0, 0), AccuracyThresholds.Default);
        Assert.False(AccuracyThresholds.Default.IsOff);
        Assert.True(new AccuracyThresholds(0, 0, 0).IsOff);

        var passing = Result(new OutputMetrics("logits", 0.995, 123.0, 4.0, 0.1, 80));
        Assert.Empty(AccuracyGate.Check(passing, AccuracyThresholds.Default));
        var failing = Result(new OutputMetrics("logits", 0.98996, 0.001, 0.0001, 1.0, 80));
        Assert.Equal([new AccuracyViolation("logits", "MinCosineSimilarity", 0.98996, 0.99)], AccuracyGate.Check(failing, AccuracyThresholds.Default));
        Assert.Empty(AccuracyGate.Check(failing, new AccuracyThresholds(0, 0, 0)));
    }

    [Fact]
    public void EveryThresholdIsCheckedOnEveryOutputInOrder()
    {
        var result = Result(
            new OutputMetrics("a", 0.95, 0.5, 0.1, 0.75, 10),
            new OutputMetrics("b", 0.999, 0.01, 0.001, null, 10),
            new OutputMetrics("c", 0.999, 0.2, 0.01, 1.0, 10));
        var violations = AccuracyGate.Check(result, new AccuracyThresholds(0.99, 0.1, 0.8));
        Assert.Equal(
        [
            new AccuracyViolation("a", "MinCosineSimilarity", 0.95, 0.99),
            new AccuracyViolation("a", "MaxAbsoluteError", 0.5, 0.1),
            new AccuracyViolation("a", "MinTopOneAgreement", 0.75, 0.8),
            new AccuracyViolation("c", "MaxAbsoluteError", 0.2, 0.1),
        ], violations);
    }

    [Fact]
    public void NonFiniteMetricsFail()
    {
        var result = Result(new OutputMetrics("y", double.NaN, double.PositiveInfinity, double.PositiveInfinity, null, 4));
        var violations = AccuracyGate.Check(result, new AccuracyThresholds(0.5, 1000, 0));
        Assert.Equal(["MinCosineSimilarity", "MaxAbsoluteError"], violations.Select(v => v.Metric));
    }

    [Fact]
    public void TheMessageSaysWhatFailedAndWhatToDo()
    {
        var result = Result(new OutputMetrics("logits", 0.9812345678, 2.5, 0.3, 0.875, 8000));
        var violations = AccuracyGate.Check(result, new AccuracyThresholds(0.99, 1, 0.9));
        string message = AccuracyGate.FormatMessage("/src/Models/resnet18.onnx", result, violations);
        Assert.Equal(
            "the optimized model of '/src/Models/resnet18.onnx' fails the accuracy gate on 8 samples (ValidationData folder /data/val): " +
            "output 'logits': cosine similarity 0.9812346 is below the required MinCosineSimilarity=0.99; " +
            "output 'logits': max absolute error 2.5 is above the allowed MaxAbsoluteError=1; " +
            "output 'logits': top-1 agreement 0.875 is below the required MinTopOneAgreement=0.9. " +
            "Relax the threshold (e.g. MinCosineSimilarity; 0 switches a check off), exclude the sensitive nodes from optimization (ExcludeNodes/ExcludeOpTypes), or choose another Quantize mode.",
            message);

        var e = AccuracyGate.ToException("/src/Models/resnet18.onnx", result, violations);
        Assert.Equal(DiagnosticCode.AccuracyGateFailed, e.Code);
        Assert.Equal("MOPT0180", e.Code);
        Assert.Equal("/src/Models/resnet18.onnx: error MOPT0180: " + message, e.ToCanonicalString());
    }
}
