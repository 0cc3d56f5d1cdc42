using ModelOpt.Core.Folding;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Folding;

public sealed class HardSwishFusionPassTests
{
    private const int Channels = 4;
    private const int Side = 5;

    [Theory]
    [InlineData(9)]
    [InlineData(13)]
    [InlineData(17)]
    public void DecomposedHardSwishBecomesOneNodeThatComputesTheSame(long opset)
    {
        var (model, input) = Chain(opset, "Div", [6f]);
        var expected = OrtRunner.Run(model, input)[0];

        var result = new PassPipeline(new HardSwishFusionPass()).Run(model);

        Assert.True(result.Modified);
        Assert.Equal(Math.Max(opset, HardSwishFusionPass.MinimumOpset), model.GetOpsetVersion(""));
        var hardSwish = Assert.Single(model.Graph.Nodes, n => n.OpType == "HardSwish");
        Assert.Equal("Y", hardSwish.Outputs[0]!.Name);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType is "Add" or "Clip" or "Mul" or "Div" or "Constant");
        Assert.Empty(model.Graph.Initializers);
        Numbers.AssertClose(expected, OrtRunner.Run(model, input)[0], 1e-5);
    }

    [Fact]
    public void MultiplicationByASixthIsTheSameHardSwish()
    {
        var (model, input) = Chain(14, "Mul", [1f / 6f]);
        var expected = OrtRunner.Run(model, input)[0];

        Assert.Equal(1, new HardSwishFusionPass().Run(model).Report.FusedCount);

        Assert.Equal(["HardSwish"], model.Graph.Nodes.Select(n => n.OpType));
        Numbers.AssertClose(expected, OrtRunner.Run(model, input)[0], 1e-5);
    }

    [Theory]
    [InlineData("Div")]
    [InlineData("Mul")]
    public void APerChannelConstantLeftByEqualizationStaysAsOneNodeAfterTheHardSwish(string last)
    {
        float[] constant = last == "Div" ? [6f, 12f, 3f, 60f] : [1f / 6f, 0.5f, 0.01f, 2f];
        var (model, input) = Chain(14, last, constant, [Channels, 1, 1]);
        var expected = OrtRunner.Run(model, input)[0];

        Assert.True(new HardSwishFusionPass().Run(model).Modified);

        Assert.Equal(["HardSwish", last], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal("Y", model.Graph.Nodes.Last().Outputs[0]!.Name);
        Numbers.AssertClose(expected, OrtRunner.Run(model, input)[0], 1e-5);
    }

    [Theory]
    [InlineData(1f / 6f, true)]
    [InlineData(0.2f, false)]
    public void MultiplicationByItsHardSigmoidIsHardSwishOnlyWithASixthAsSlope(float alpha, bool fused)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, Channels, Side, Side);
        var gate = b.Op("HardSigmoid", [x], "gate", NodeAttribute.FromFloat("alpha", alpha), NodeAttribute.FromFloat("beta", 0.5f));
        var y = b.Op("Mul", [x, gate], "Y");
        var model = b.Output(y).Build(13);
        var input = new FloatInput("X", Numbers.Uniform(2 * Channels * Side * Side, 9, -6f, 6f), [2, Channels, Side, Side]);
        var expected = OrtRunner.Run(model, input)[0];

        var result = new PassPipeline(new HardSwishFusionPass()).Run(model);

        Assert.Equal(fused, result.Modified);
        Assert.Equal(fused ? ["HardSwish"] : ["HardSigmoid", "Mul"], model.Graph.Nodes.Select(n => n.OpType));
        Numbers.AssertClose(expected, OrtRunner.Run(model, input)[0], 1e-5);
    }

    [Fact]
    public void ChainsThatAreNotHardSwishStay()
    {
        // Clip(x + 3, 0, 6) read by something else besides the Mul: removing it would change that reader.
        var b = new GraphBuilder();
        var x = b.Input("X", 1, Channels, Side, Side);
        var shifted = b.Op("Add", [x, b.Weight("three", [], [3f])], "shifted");
        var clipped = b.Op("Clip", [shifted, b.Weight("low", [], [0f]), b.Weight("high", [], [6f])], "clipped");
        var product = b.Op("Mul", [x, clipped], "product");
        var y = b.Op("Div", [product, b.Weight("six", [], [6f])], "Y");
        var model = b.Output(y).Output(clipped).Build(14);
        Assert.False(new HardSwishFusionPass().Run(model).Modified);
        Assert.Null(new HardSwishFusionPass().RequiredOpset(model));

        // HardSigmoid-like bounds (x + 3 clipped to [0, 5]) are another function.
        var (other, _) = Chain(14, "Div", [6f], high: 5f);
        Assert.False(new HardSwishFusionPass().Run(other).Modified);
        Assert.Equal(4, other.Graph.Nodes.Count());
    }

    /// <summary>Y = last(Mul(X, Clip(Add(X, 3), 0, high)), constant), with Clip's bounds as attributes before opset 11 and Constant nodes for the scalars at opset 17.</summary>
    private static (OnnxModel Model, FloatInput Input) Chain(long opset, string last, float[] constant, long[]? constantDims = null, float high = 6f)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, Channels, Side, Side);
        Value Scalar(string name, float value) => opset >= 17 ? b.Constant(name, [], [value]) : b.Weight(name, [], [value]);
        var shifted = b.Op("Add", [x, Scalar("three", 3f)], "shifted");
        var clipped = opset < 11
            ? b.Op("Clip", [shifted], "clipped", NodeAttribute.FromFloat("min", 0f), NodeAttribute.FromFloat("max", high))
            : b.Op("Clip", [shifted, Scalar("low", 0f), Scalar("high", high)], "clipped");
        var product = b.Op("Mul", [clipped, x], "product");
        var factor = constantDims is null ? Scalar("factor", constant[0]) : b.Weight("factor", constantDims, constant);
        var y = b.Op(last, [product, factor], "Y");
        var model = b.Output(y).Build(opset);
        return (model, new FloatInput("X", Numbers.Uniform(2 * Channels * Side * Side, 5, -6f, 6f), [2, Channels, Side, Side]));
    }
}
