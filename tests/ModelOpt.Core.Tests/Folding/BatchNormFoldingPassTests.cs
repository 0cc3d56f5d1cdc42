using ModelOpt.Core.Folding;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Folding;

public sealed class BatchNormFoldingPassTests
{
    private const int Channels = 3;
    private const int Side = 7;

    [Theory]
    [InlineData(8, true, false)]
    [InlineData(8, false, false)]
    [InlineData(13, true, true)]
    [InlineData(15, false, true)]
    [InlineData(21, true, false)]
    public void ConvAndBatchNormBecomeOneConvThatComputesTheSame(long opset, bool convBias, bool constantNodes)
    {
        var (model, input) = ConvBn(opset, convBias, constantNodes, group: 1);
        var expected = OrtRunner.Run(model, input)[0];

        var pass = new BatchNormFoldingPass();
        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(1, result.Report.FoldedCount);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "BatchNormalization");
        var conv = Assert.Single(model.Graph.Nodes, n => n.OpType == "Conv");
        Assert.Equal("Y", conv.Outputs[0]!.Name);
        Assert.Equal(3, conv.Inputs.Count);
        // The replaced weights, biases and BN parameters are gone, whether initializers or Constant nodes.
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Constant");
        Assert.Equal(["W_bn_folded", convBias ? "B_bn_folded" : "conv_bias_bn_folded"], model.Graph.Initializers.Select(v => v.Name));
        Numbers.AssertClose(expected, OrtRunner.Run(model, input)[0], 1e-4);
    }

    [Fact]
    public void GroupedConvFoldsPerOutputChannel()
    {
        var (model, input) = ConvBn(13, convBias: true, constantNodes: false, group: Channels, features: 6);
        var expected = OrtRunner.Run(model, input)[0];

        Assert.True(new BatchNormFoldingPass().Run(model).Modified);

        Numbers.AssertClose(expected, OrtRunner.Run(model, input)[0], 1e-4);
    }

    [Fact]
    public void ConvOutputReadElsewhereIsNotFolded()
    {
        var (model, _) = ConvBn(13, convBias: true, constantNodes: false, group: 1);
        var convOutput = model.Graph.Nodes.Single(n => n.OpType == "Conv").Outputs[0]!;
        model.Graph.Outputs.Add(convOutput);

        Assert.False(new BatchNormFoldingPass().Run(model).Modified);
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "BatchNormalization");
    }

    [Fact]
    public void TrainingModeIsNotFolded()
    {
        var (model, _) = ConvBn(15, convBias: true, constantNodes: false, group: 1);
        model.Graph.Nodes.Single(n => n.OpType == "BatchNormalization").Attributes.Add(NodeAttribute.FromInt("training_mode", 1));

        Assert.False(new BatchNormFoldingPass().Run(model).Modified);
    }

    [Fact]
    public void ParametersComputedAtRunTimeAreNotFolded()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, Channels, Side, Side);
        var scale = b.Input("scale", 5);
        var conv = b.Op("Conv", [x, b.Weight("W", [5, Channels, 3, 3], Numbers.Uniform(5 * Channels * 9, 1))], "conv");
        var y = b.Op("BatchNormalization", [conv, scale, b.Weight("Bn", [5], Numbers.Uniform(5, 2)),
            b.Weight("mean", [5], Numbers.Uniform(5, 3)), b.Weight("var", [5], Numbers.Uniform(5, 4, 0.5f, 2f))], "Y");
        var model = b.Output(y).Build(13);

        Assert.False(new BatchNormFoldingPass().Run(model).Modified);
    }

    [Fact]
    public void SharedWeightsStayForTheirOtherReader()
    {
        var (model, input) = ConvBn(13, convBias: true, constantNodes: false, group: 1);
        var w = model.Graph.Initializers.Single(v => v.Name == "W");
        var x = model.Graph.Inputs[0];
        var other = new Node("Conv", [x, w], ["Z"], "other");
        model.Graph.AddNode(other);
        model.Graph.Outputs.Add(other.Outputs[0]!);
        var expected = OrtRunner.Run(model, input);

        Assert.True(new BatchNormFoldingPass().Run(model).Modified);

        Assert.Contains(model.Graph.Initializers, v => v.Name == "W");
        var actual = OrtRunner.Run(model, input);
        Numbers.AssertClose(expected[0], actual[0], 1e-4);
        Numbers.AssertClose(expected[1], actual[1], 0);
    }

    /// <summary>Conv (3×3, pad 1) → BatchNormalization, parameters as initializers or Constant nodes.</summary>
    private static (OnnxModel Model, FloatInput Input) ConvBn(long opset, bool convBias, bool constantNodes, int group, int features = 5)
    {
        var b = new GraphBuilder();
        Value Param(string name, long[] dims, float[] values) => constantNodes ? b.Constant(name, dims, values) : b.Weight(name, dims, values);

        var x = b.Input("X", 2, Channels, Side, Side);
        int perFeature = Channels / group * 9;
        var inputs = new List<Value?> { x, Param("W", [features, Channels / group, 3, 3], Numbers.Uniform(features * perFeature, 11)) };
        if (convBias) inputs.Add(Param("B", [features], Numbers.Uniform(features, 12)));
        var conv = b.Op("Conv", [.. inputs], "conv", NodeAttribute.FromInts("pads", [1, 1, 1, 1]), NodeAttribute.FromInt("group", group));
        var bnAttributes = new List<NodeAttribute> { NodeAttribute.FromFloat("epsilon", 1e-3f) };
        if (opset < 9) bnAttributes.Add(NodeAttribute.FromInt("spatial", 1));
        var y = b.Op("BatchNormalization", [conv, Param("scale", [features], Numbers.Uniform(features, 13, 0.5f, 2f)),
            Param("shift", [features], Numbers.Uniform(features, 14)), Param("mean", [features], Numbers.Uniform(features, 15)),
            Param("variance", [features], Numbers.Uniform(features, 16, 0.1f, 3f))], "Y", [.. bnAttributes]);
        var model = b.Output(y).Build(opset);
        return (model, new FloatInput("X", Numbers.Uniform(2 * Channels * Side * Side, 17, -2f, 2f), [2, Channels, Side, Side]));
    }
}
