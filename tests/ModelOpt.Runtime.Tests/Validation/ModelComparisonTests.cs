using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Validation;

public sealed class ModelComparisonTests : IDisposable
{
    private readonly SessionFactory _sessions = new();

    public void Dispose() => _sessions.Dispose();

    [Fact]
    public void AModelComparedWithItselfIsExact()
    {
        byte[] model = ValidationModels.Linear();
        var result = ModelComparison.Compare(_sessions, model, model, SampleSet.Generate(ValidationModels.LinearModel(), null), "linear.onnx");

        Assert.Equal(8, result.SampleCount);
        Assert.Empty(result.Notes);
        var y = Assert.Single(result.Outputs);
        Assert.Equal("y", y.Output);
        Assert.Equal(1, y.WorstCosine, 12);
        Assert.Equal(1, y.MeanCosine, 12);
        Assert.Equal(8, y.Samples.Count);
        Assert.Equal(0, y.MaxAbsoluteError);
        Assert.Equal(0, y.MeanAbsoluteError);
        Assert.Equal(1, y.TopOneAgreement);
        Assert.Equal(8 * 2 * 3, y.Elements);
        Assert.Empty(AccuracyGate.Check(result, new AccuracyThresholds(0.999999, 1e-9, 1)));
    }

    [Fact]
    public void AShiftedBiasGivesTheShiftAsErrorAndTheIndependentCosine()
    {
        byte[] original = ValidationModels.Linear();
        byte[] shifted = ValidationModels.Linear(biasShift: 0.25f);
        var inputs = SampleSet.Generate(ValidationModels.LinearModel(), null, count: 4);
        var result = ModelComparison.Compare(_sessions, original, shifted, inputs);

        // The reference: both models run directly in ONNX Runtime, the metrics computed here.
        var (a, b) = RunBoth(original, shifted, inputs);
        var y = Assert.Single(result.Outputs);
        // The cosine is per sample (6 elements each) since the gate checks the worst sample, not all samples as one vector.
        double[] cosines = [.. a.Chunk(6).Zip(b.Chunk(6), (p, q) => Numbers.Cosine(p, q))];
        Assert.Equal(cosines.Min(), y.WorstCosine, 12);
        Assert.Equal(cosines.Average(), y.MeanCosine, 12);
        Assert.Equal(Numbers.MaxAbsDifference(a, b), y.MaxAbsoluteError, 12);
        Assert.Equal(a.Zip(b, (p, q) => Math.Abs((double)p - q)).Average(), y.MeanAbsoluteError, 12);
        // And by hand: every element moves by the shift (up to float rounding of y + 0.25).
        Assert.Equal(0.25, y.MaxAbsoluteError, 6);
        Assert.Equal(0.25, y.MeanAbsoluteError, 6);
        Assert.True(y.WorstCosine < 0.99, $"cosine {y.WorstCosine}");
        // Adding the same constant to every class keeps every argmax.
        Assert.Equal(1, y.TopOneAgreement);
        Assert.Equal(24, y.Elements);
    }

    [Fact]
    public void ScaledWeightsKeepTheCosineAndDoubleTheValues()
    {
        byte[] original = ValidationModels.Linear(bias: [0, 0, 0]);
        byte[] doubled = ValidationModels.Linear(scale: 2, bias: [0, 0, 0]);
        var inputs = SampleSet.Generate(ValidationModels.LinearModel(bias: [0, 0, 0]), null, count: 3);
        var result = ModelComparison.Compare(_sessions, original, doubled, inputs);

        // y' = 2y exactly (scaling by 2 is exact in float), so cosine 1 and |y' - y| = |y|.
        var (a, _) = RunBoth(original, doubled, inputs);
        var y = Assert.Single(result.Outputs);
        Assert.Equal(1, y.WorstCosine, 12);
        Assert.Equal(a.Max(v => Math.Abs((double)v)), y.MaxAbsoluteError, 12);
        Assert.Equal(a.Average(v => Math.Abs((double)v)), y.MeanAbsoluteError, 12);
        Assert.Equal(1, y.TopOneAgreement);
    }

    [Fact]
    public void TopOneAgreementCountsTheRowsWhoseArgmaxSurvives()
    {
        // y = x ⊙ [1,1,1] against y = x ⊙ [1,1,-1]: negating class 2 moves the argmax of exactly the rows whose maximum is there.
        byte[] original = ValidationModels.Scale([1, 1, 1], rows: 2);
        byte[] flipped = ValidationModels.Scale([1, 1, -1], rows: 2);
        var inputs = SampleSet.FromSamples(
        [
            ValidationModels.Sample("s0", [2, 3], 3, 1, 2, 0, 1, 5), // argmax 0 → 0 (kept); 2 → 1 (flipped)
            ValidationModels.Sample("s1", [2, 3], 1, 4, 0, 0, 0, 7), // argmax 1 → 1 (kept); 2 → 0 (flipped)
        ], "hand-made rows");
        var result = ModelComparison.Compare(_sessions, original, flipped, inputs);

        var y = Assert.Single(result.Outputs);
        Assert.Equal(2, result.SampleCount);
        Assert.Equal("hand-made rows", result.Source);
        Assert.Equal(0.5, y.TopOneAgreement);
        // By hand, per sample (the gate's cosine is per sample, no longer over both at once, -50/106):
        // s0: dot = 9+1-4 + 0+1-25 = -18, squared norms 40; s1: dot = 1+16+0 + 0+0-49 = -32, squared norms 66.
        Assert.Equal(-32.0 / 66.0, y.WorstCosine, 15);
        Assert.Equal(("s1", 1), (y.WorstCosineSampleName, y.WorstCosineSample));
        Assert.Equal((-18.0 / 40.0 - 32.0 / 66.0) / 2, y.MeanCosine, 15);
        Assert.Equal([0.5, 0.5], y.Samples.Select(x => x.TopOneAgreement));
        Assert.Equal(14, y.MaxAbsoluteError);                // |7 - (-7)|
        Assert.Equal((4 + 10 + 0 + 14) / 12.0, y.MeanAbsoluteError, 15);
        Assert.Equal(12, y.Elements);

        var violations = AccuracyGate.Check(result, new AccuracyThresholds(0, 0, 0.9));
        var v = Assert.Single(violations);
        // Both samples agree on half their rows; the first is named.
        Assert.Equal(new AccuracyViolation("y", "MinTopOneAgreement", 0.5, 0.9, 0, "s0"), v);
    }

    [Theory]
    [InlineData(new long[] { 4, 10 }, 10)]
    [InlineData(new long[] { 1, 1000, 1, 1 }, 1000)]
    [InlineData(new long[] { 8, 10, 1 }, 10)]
    [InlineData(new long[] { 1, 512, 7, 7 }, 0)]
    [InlineData(new long[] { 4, 1 }, 0)]
    [InlineData(new long[] { 10 }, 0)]
    [InlineData(new long[] { 2, 3, 4 }, 0)]
    public void ClassificationShapesAreNByCAfterTrailingOnes(long[] shape, long classes)
    {
        Assert.Equal(classes, ErrorAccumulator.ClassCount(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float, shape));
        Assert.Equal(0, ErrorAccumulator.ClassCount(Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Int64, shape));
    }

    [Fact]
    public void AnImageShapedOutputHasNoTopOne()
    {
        using var ir = ValidationModels.ReluModel("1", "2", "3", "3");
        byte[] model = OnnxModelWriter.ToBytes(ir);
        var result = ModelComparison.Compare(_sessions, model, model, SampleSet.Generate(ir, null, count: 2));
        Assert.Null(Assert.Single(result.Outputs).TopOneAgreement);
        Assert.Equal(36, result.Outputs[0].Elements);
    }

    [Fact]
    public void MaxSamplesLimitsTheSamplesUsed()
    {
        byte[] model = ValidationModels.Linear();
        var result = ModelComparison.Compare(_sessions, model, model, SampleSet.Generate(ValidationModels.LinearModel(), null), maxSamples: 3);
        Assert.Equal(3, result.SampleCount);
        Assert.Equal(18, result.Outputs[0].Elements);
    }

    [Fact]
    public void AnOptimizedModelThatFailsToRunIsValidationRunFailed()
    {
        byte[] original = ValidationModels.Linear();
        // Same input and output names, but a Reshape that cannot hold the 6 elements: fails at run time.
        var g = new GraphBuilder("broken");
        var x = g.Input("x", ValidationModels.Rows, ValidationModels.Features);
        var w = g.Weight("W", [ValidationModels.Features, ValidationModels.Classes], ValidationModels.Weights);
        var shape = g.Int64s("shape", 5);
        var xw = g.Op("MatMul", [x, w], "xw");
        g.Output(g.Op("Reshape", [xw, shape], "y"));
        byte[] broken = OnnxModelWriter.ToBytes(g.Build(13));

        var e = Assert.Throws<ModelOptException>(() => ModelComparison.Compare(_sessions, original, broken, SampleSet.Generate(ValidationModels.LinearModel(), null), "/m/linear.onnx"));
        Assert.Equal(DiagnosticCode.ValidationRunFailed, e.Code);
        Assert.Equal("MOPT0182", e.Code);
        Assert.Equal("/m/linear.onnx", e.FilePath);
        Assert.Contains("optimized model", e.Message, StringComparison.Ordinal);
        Assert.Contains("validation sample 'generated_0'", e.Message, StringComparison.Ordinal);
        Assert.Contains("ExcludeNodes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelsLoadedInTurnGiveTheSameResultWithOneSessionAliveAtATime()
    {
        byte[] original = ValidationModels.Linear();
        byte[] shifted = ValidationModels.Linear(biasShift: 0.25f);
        var inputs = SampleSet.Generate(ValidationModels.LinearModel(), null, count: 5);
        var sideBySide = ModelComparison.Compare(_sessions, original, shifted, inputs, maxSamples: 4);

        using var sessions = new SessionFactory();
        var inTurn = ModelComparison.Compare(sessions, original, shifted, inputs, maxSamples: 4, oneSessionAtATime: true);

        Assert.Equal(2, _sessions.PeakOpenSessions);
        Assert.Equal(1, sessions.PeakOpenSessions);
        // The original's session went before the optimized model's came; the latter is the caller's to release.
        Assert.Equal(1, sessions.OpenSessions);
        Assert.Equal(4, inTurn.SampleCount);
        var expected = Assert.Single(sideBySide.Outputs);
        var actual = Assert.Single(inTurn.Outputs);
        Assert.Equal(expected.Samples, actual.Samples);
        Assert.Equal(expected.WorstCosine, actual.WorstCosine);
        Assert.Equal(expected.MaxAbsoluteError, actual.MaxAbsoluteError);
        Assert.Equal(expected.Elements, actual.Elements);
    }

    [Fact]
    public void InTurnAnOptimizedModelWithoutTheOriginalsOutputIsValidationRunFailedBeforeItRuns()
    {
        byte[] original = ValidationModels.Linear();
        var g = new GraphBuilder("renamed");
        var x = g.Input("x", ValidationModels.Rows, ValidationModels.Features);
        var w = g.Weight("W", [ValidationModels.Features, ValidationModels.Classes], ValidationModels.Weights);
        g.Output(g.Op("MatMul", [x, w], "z"));
        byte[] renamed = OnnxModelWriter.ToBytes(g.Build(13));

        using var sessions = new SessionFactory();
        var e = Assert.Throws<ModelOptException>(() => ModelComparison.Compare(sessions, original, renamed, SampleSet.Generate(ValidationModels.LinearModel(), null), "m.onnx", oneSessionAtATime: true));
        Assert.Equal(DiagnosticCode.ValidationRunFailed, e.Code);
        Assert.Contains("lacks the output(s) 'y'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOptimizedModelThatDoesNotLoadIsValidationRunFailed()
    {
        byte[] original = ValidationModels.Linear();
        var e = Assert.Throws<ModelOptException>(() => ModelComparison.Compare(_sessions, original, [1, 2, 3], SampleSet.Generate(ValidationModels.LinearModel(), null), "m.onnx"));
        Assert.Equal(DiagnosticCode.ValidationRunFailed, e.Code);
        Assert.Contains("cannot load the optimized model", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The single output of both models on every sample, concatenated, as ONNX Runtime gives it.</summary>
    private static (float[] Original, float[] Optimized) RunBoth(byte[] original, byte[] optimized, SampleSet inputs)
    {
        var a = new List<float>();
        var b = new List<float>();
        foreach (var sample in inputs.Samples())
        {
            var tensor = sample.Tensors[0];
            var input = new FloatInput("x", System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray(), [.. tensor.Shape]);
            a.AddRange(OrtRunner.Run(original, input)[0]);
            b.AddRange(OrtRunner.Run(optimized, input)[0]);
        }
        return ([.. a], [.. b]);
    }
}
