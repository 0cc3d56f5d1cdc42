using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.TestModels;

/// <summary>The encoder built in code: its structure, its determinism, and that ONNX Runtime runs it.</summary>
public sealed class TransformerEncoderBuilderTests
{
    private static readonly TransformerEncoderBuilder Small = new() { Layers = 2, Hidden = 64, Heads = 4, FeedForward = 128, SequenceLength = 16 };

    [Fact]
    public void TheDefaultEncoderIsBertLikeAtTheDocumentedSize()
    {
        using var model = new TransformerEncoderBuilder().Build();

        var ops = model.Graph.Nodes.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4 * 8, ops["MatMul"]);
        Assert.Equal(4 * 2, ops["LayerNormalization"]);
        Assert.Equal(4, ops["Softmax"]);
        Assert.Equal(4, ops["Erf"]);
        Assert.Equal(17, model.GetOpsetVersion(""));
        var input = Assert.Single(model.Graph.Inputs);
        Assert.Equal(["batch", "128", "512"], input.Shape!.Select(d => d.ToString()));
        var matMulWeights = model.Graph.Nodes.Where(n => n.OpType == "MatMul" && n.Inputs[1]!.Initializer is not null)
            .Sum(n => n.Inputs[1]!.Initializer!.ElementCount);
        Assert.Equal(4 * (4 * 512 * 512 + 2 * 512 * 2048), matMulWeights);
        // N(0, 0.02²) weights.
        var query = model.Graph.Initializers.Single(v => v.Name == "layer0.attention.query.weight").Initializer!.ToFloatArray();
        double std = Math.Sqrt(query.Average(v => (double)v * v));
        Assert.InRange(std, 0.0195, 0.0205);
    }

    [Fact]
    public void SameOptionsGiveTheSameBytesAndTheSeedChangesThem()
    {
        byte[] first = OnnxModelWriter.ToBytes(Small.Build());
        byte[] second = OnnxModelWriter.ToBytes(Small.Build());
        byte[] reseeded = OnnxModelWriter.ToBytes(new TransformerEncoderBuilder
        {
            Layers = 2, Hidden = 64, Heads = 4, FeedForward = 128, SequenceLength = 16, Seed = 1,
        }.Build());

        Assert.Equal(first, second);
        Assert.NotEqual(first, reseeded);
    }

    [Fact]
    public void EachSequenceOfABatchIsEncodedOnItsOwn()
    {
        byte[] model = OnnxModelWriter.ToBytes(Small.Build());
        var three = Small.CreateHiddenStates(batch: 3, seed: 5);
        var one = Small.CreateHiddenStates(batch: 1, seed: 5);

        var batched = OrtRunner.Run(model, new FloatInput(Small.InputName, three, Small.InputShape(3)))[0];
        var single = OrtRunner.Run(model, new FloatInput(Small.InputName, one, Small.InputShape(1)))[0];

        Assert.Equal(one, three.Take(one.Length));
        Assert.Equal(three.Length, batched.Length);
        Assert.All(batched, v => Assert.True(float.IsFinite(v)));
        Numbers.AssertClose(single, batched.AsSpan(0, single.Length), 1e-4);
        // Layer normalization at the end: every token's features have mean ≈ 0 (offsets are N(0, 0.02²)).
        Assert.InRange(batched.Take(64).Average(), -0.05, 0.05);
    }

    [Fact]
    public void AFixedBatchAndAnEmbeddingTableAreDeclared()
    {
        using var model = new TransformerEncoderBuilder { Layers = 1, Hidden = 32, Heads = 2, FeedForward = 64, SequenceLength = 8, BatchSize = 2, VocabularySize = 50 }.Build();

        var input = Assert.Single(model.Graph.Inputs);
        Assert.Equal((TransformerEncoderBuilder.TokenIdsInput, ElementType.Int64), (input.Name, input.ElementType));
        Assert.Equal(["2", "8"], input.Shape!.Select(d => d.ToString()));
        Assert.Equal("Gather", model.Graph.Nodes[0].OpType);
        Assert.Equal(["2", "8", "32"], model.Graph.Outputs[0].Shape!.Select(d => d.ToString()));
    }

    [Fact]
    public void GaussianSamplesAreStandardNormalAndStable()
    {
        var samples = new GaussianRandom(42).Next(100_000);

        Assert.InRange(samples.Average(), -0.01, 0.01);
        Assert.InRange(samples.Average(v => (double)v * v), 0.98, 1.02);
        Assert.Equal(new GaussianRandom(42).Next(5), samples.Take(5));
    }
}
