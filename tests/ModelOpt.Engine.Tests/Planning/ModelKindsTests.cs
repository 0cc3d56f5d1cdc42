using ModelOpt.Core.Analysis;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Planning;

namespace ModelOpt.Engine.Tests.Planning;

/// <summary>The kind <c>Quantize="Recommended"</c> reads from a graph, and the modes it then tries.</summary>
public sealed class ModelKindsTests
{
    [Fact]
    public void AMobileNetIsConvolutionalAndGetsStaticThenFloat16()
    {
        var model = new MobileNetV3Builder().Build();

        var kind = ModelKinds.Of(model, ModelCost.Measure(model, new Dictionary<string, long[]>()));

        Assert.Equal(ModelKind.Convolutional, kind);
        Assert.Equal([QuantizeMode.Static, QuantizeMode.Float16], ModelKinds.RecommendedModes(kind));
    }

    [Fact]
    public void ATransformerEncoderIsAMatrixProductModelAndGetsDynamic()
    {
        var model = new TransformerEncoderBuilder { Layers = 1, Hidden = 64, Heads = 4, FeedForward = 256, SequenceLength = 16 }.Build();

        var kind = ModelKinds.Of(model, ModelCost.Measure(model, new Dictionary<string, long[]>()));

        Assert.Equal(ModelKind.MatrixProduct, kind);
        Assert.Equal([QuantizeMode.Dynamic], ModelKinds.RecommendedModes(kind));
    }

    [Theory]
    [InlineData(ModelKind.Convolutional)]
    [InlineData(ModelKind.MatrixProduct)]
    public void ACudaDeploymentTargetGetsFloat16ForEveryKind(ModelKind kind)
    {
        Assert.Equal([QuantizeMode.Float16], ModelKinds.RecommendedModes(kind, TargetExecutionProviderKind.Cuda));
        Assert.NotEqual([QuantizeMode.Float16], ModelKinds.RecommendedModes(kind, TargetExecutionProviderKind.Cpu));
    }

    [Fact]
    public void WithSymbolicImageSizesTheWeightsDecide()
    {
        // [N,3,H,W]: Conv MACs are unknown, so the Convs' weights (8·3·9 + 16·8·9) against the Gemm's (16·10) decide.
        var model = SymbolicModels.Classifier();
        var cost = ModelCost.Measure(model, new Dictionary<string, long[]>());

        Assert.False(cost.IsComplete);
        Assert.Equal(ModelKind.Convolutional, ModelKinds.Of(model, cost));
    }
}
