using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Validation;

public sealed class NodeSensitivityTests : IDisposable
{
    private readonly SessionFactory _sessions = new();

    public void Dispose() => _sessions.Dispose();

    private static readonly float[] W1 = [0.5f, 1.5f, 2f, 0.25f, 1f, 3f, 0.75f, 1.25f];
    private static readonly float[] C1 = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f];
    private static readonly float[] W2 = [1f, 2f, 0.5f, 1.5f, 0.25f, 1f, 2f, 0.5f];

    /// <summary>x → Mul(W1) 'a' → Add(C1) 'b' → Mul(W2) 'c' → Relu 'y', all positive so Relu passes everything.</summary>
    private static OnnxModel Chain(float[] w2, string addOutput = "b")
    {
        var g = new GraphBuilder("chain");
        var x = g.Input("x", 1, 8);
        var a = g.Node("Mul", [x, g.Weight("w1", [8], W1)], ["a"], "scale1").Outputs[0];
        var b = g.Node("Add", [a, g.Weight("c1", [8], C1)], [addOutput], "shift").Outputs[0];
        var c = g.Node("Mul", [b, g.Weight("w2", [8], w2)], ["c"], "scale2").Outputs[0];
        g.Output(g.Node("Relu", [c], ["y"], "relu").Outputs[0]!);
        return g.Build(13);
    }

    private static readonly float[][] Inputs = [[1, 2, 3, 4, 5, 6, 7, 8], [0.5f, 0.25f, 2, 1, 3, 0.125f, 4, 2]];

    private static SampleSet Samples()
        => SampleSet.FromSamples(Inputs.Select((x, i) => new Sample($"s{i}", [SampleTensor.FromFloats("x", [1, 8], x)])).ToList());

    [Fact]
    public void TheErrorAppearsAtThePerturbedNode()
    {
        float[] perturbed = [.. W2];
        perturbed[3] += 0.5f;
        using var original = Chain(W2);
        using var optimized = Chain(perturbed);

        var values = NodeSensitivity.Measure(_sessions, original, optimized, Samples());
        // The copies with extra outputs were the measurement's own: their sessions are gone.
        Assert.Equal(2, _sessions.SessionsCreated);
        Assert.Equal(0, _sessions.OpenSessions);

        Assert.Equal(["a", "b", "c", "y"], values.Select(v => v.Value));
        Assert.Equal(["scale1", "shift", "scale2", "relu"], values.Select(v => v.Node));
        Assert.Equal(["Mul", "Add", "Mul", "Relu"], values.Select(v => v.OpType));
        Assert.All(values, v => Assert.Equal(16, v.Elements));
        foreach (var exact in values.Take(2))
        {
            Assert.Equal(1, exact.Cosine, 12);
            Assert.Equal(0, exact.MaxAbsoluteError);
            Assert.Equal(0, exact.LocalErrorIncrease, 12);
        }

        // The reference, in float as ONNX Runtime computes it: c = (x·W1 + C1)·W2, elementwise.
        var expectedC = Inputs.SelectMany(x => x.Select((v, i) => (v * W1[i] + C1[i]) * W2[i])).ToArray();
        var actualC = Inputs.SelectMany(x => x.Select((v, i) => (v * W1[i] + C1[i]) * perturbed[i])).ToArray();
        double cosine = Numbers.Cosine(expectedC, actualC);
        double maxError = Numbers.MaxAbsDifference(expectedC, actualC);
        Assert.Equal(0.5 * Inputs.Max(x => (double)(x[3] * W1[3] + C1[3])), maxError, 5); // only element 3 moves, by 0.5·b[3]

        var c = values[2];
        Assert.Equal(cosine, c.Cosine, 12);
        Assert.Equal(maxError, c.MaxAbsoluteError, 12);
        Assert.True(c.Cosine < 0.9999, $"cosine {c.Cosine}");
        Assert.Equal(1 - cosine, c.LocalErrorIncrease, 12); // its input 'b' is exact

        // Relu passes the (positive) error on: same numbers, no error of its own.
        var y = values[3];
        Assert.Equal(c.Cosine, y.Cosine, 15);
        Assert.Equal(c.MaxAbsoluteError, y.MaxAbsoluteError);
        Assert.Equal(0, y.LocalErrorIncrease, 12);

        Assert.Equal("c", values.MaxBy(v => v.LocalErrorIncrease)!.Value);
    }

    [Fact]
    public void ValuesTheOptimizedModelDoesNotProduceAreLeftOut()
    {
        using var original = Chain(W2);
        using var optimized = Chain(W2, addOutput: "b_renamed");
        var values = NodeSensitivity.Measure(_sessions, original, optimized, Samples(), maxSamples: 1);
        Assert.Equal(["a", "c", "y"], values.Select(v => v.Value));
        Assert.All(values, v => Assert.Equal(8, v.Elements));
        Assert.All(values, v => Assert.Equal(0, v.MaxAbsoluteError));
    }
}
