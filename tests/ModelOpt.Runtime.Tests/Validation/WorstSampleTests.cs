using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Validation;

/// <summary>
/// The gate measures the worst input: one badly wrong sample among 20 good ones fails it, although
/// the mean over samples, and the cosine of all samples as one vector, would pass.
/// </summary>
public sealed class WorstSampleTests : IDisposable
{
    private const int Count = 20, Outlier = 13, Width = 8;
    private const float DeadZone = 0.1f;
    private const double Gate = 0.9;

    private readonly SessionFactory _sessions = new();

    public void Dispose() => _sessions.Dispose();

    [Fact]
    public void OneBadSampleAmongTwentyFailsTheGateAndIsNamed()
    {
        byte[] original = Identity();
        byte[] optimized = DeadZoneModel();
        using var folder = new TempFolder();
        float[][] rows = [.. Enumerable.Range(0, Count).Select(Row)];
        for (int i = 0; i < Count; i++) SampleFiles.NpyFloats(folder.File($"sample_{i:00}.npy"), [1, Width], rows[i]);
        var inputs = SampleSet.FromFolder(folder.Path, "ValidationData", SamplePurpose.Validation);
        string outlierName = inputs.Samples().ElementAt(Outlier).Name;

        var result = ModelComparison.Compare(_sessions, original, optimized, inputs, "/m/dead-zone.onnx");

        // The reference: both models run directly in ONNX Runtime, sample by sample, the cosines computed here.
        var a = rows.Select(r => OrtRunner.Run(original, new FloatInput("x", r, [1, Width]))[0]).ToArray();
        var b = rows.Select(r => OrtRunner.Run(optimized, new FloatInput("x", r, [1, Width]))[0]).ToArray();
        double[] cosines = [.. a.Zip(b, (p, q) => Numbers.Cosine(p, q))];
        double pooled = Numbers.Cosine(a.SelectMany(v => v).ToArray(), b.SelectMany(v => v).ToArray());

        var y = Assert.Single(result.Outputs);
        Assert.Equal(Count, result.SampleCount);
        Assert.Equal(Count, y.Samples.Count);
        Assert.Equal(cosines.Min(), y.WorstCosine, 12);
        Assert.Equal(cosines.Average(), y.MeanCosine, 12);
        for (int i = 0; i < Count; i++) Assert.Equal(cosines[i], y.Samples[i].Cosine, 12);
        Assert.Equal(Outlier, y.WorstCosineSample);
        Assert.Equal(outlierName, y.WorstCosineSampleName);
        Assert.StartsWith("sample_13", outlierName, StringComparison.Ordinal);

        // The situation of the issue: the outlier is badly wrong, yet the mean and the all-in-one cosine are high.
        Assert.InRange(y.WorstCosine, 0.3, 0.6);
        Assert.True(y.MeanCosine > Gate, $"mean {y.MeanCosine}");
        Assert.True(pooled > 0.999, $"pooled {pooled}");
        Assert.Equal(1, cosines.Where((_, i) => i != Outlier).Min(), 12);

        var violation = Assert.Single(AccuracyGate.Check(result, new AccuracyThresholds(Gate, 0, 0)));
        Assert.Equal(new AccuracyViolation("y", AccuracyGate.MinCosineSimilarity, y.WorstCosine, Gate, Outlier, outlierName), violation);
        var e = AccuracyGate.ToException("/m/dead-zone.onnx", result, [violation]);
        Assert.Equal(DiagnosticCode.AccuracyGateFailed, e.Code);
        Assert.Contains($"output 'y', worst sample {Outlier} '{outlierName}': cosine similarity ", e.Message, StringComparison.Ordinal);
        Assert.Contains("is below the required MinCosineSimilarity=0.9", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Row <paramref name="i"/>: values of magnitude 0.5..1 (outside the dead zone, so both models agree),
    /// except the outlier, whose values lie inside it but one.
    /// </summary>
    private static float[] Row(int i)
    {
        if (i == Outlier) return [0.09f, -0.09f, 0.09f, -0.09f, 0.09f, -0.09f, 0.09f, 0.12f];
        return [.. Numbers.Uniform(Width, seed: 100 + i).Select(v => v >= 0 ? 0.5f + v / 2 : -0.5f + v / 2)];
    }

    /// <summary>y = x.</summary>
    private static byte[] Identity()
    {
        var g = new GraphBuilder("identity");
        var x = g.Input("x", 1, Width);
        g.Output(g.Op("Identity", [x], "y"));
        return OnnxModelWriter.ToBytes(g.Build(13));
    }

    /// <summary>y = x, but 0 where |x| &lt; <see cref="DeadZone"/>: an "optimization" that is only wrong on small inputs.</summary>
    private static byte[] DeadZoneModel()
    {
        var g = new GraphBuilder("dead-zone");
        var x = g.Input("x", 1, Width);
        var t = g.Weight("t", [1], [DeadZone]);
        var zero = g.Weight("zero", [1], [0f]);
        var small = g.Op("Less", [g.Op("Abs", [x], "abs"), t], "small");
        g.Output(g.Op("Where", [small, zero, x], "y"));
        return OnnxModelWriter.ToBytes(g.Build(13));
    }
}
