using ModelOpt.Core.Folding;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Folding;

public sealed class ChannelAffineFusionPassTests
{
    private const int Channels = 4;
    private const int Side = 5;

    [Fact]
    public void PerChannelMulThenAddAfterAConvBecomeOneBatchNormalizationWithTheSameResult()
    {
        var b = new GraphBuilder();
        var conv = Conv(b, b.Input("X", 2, Channels, Side, Side));
        // As PP-LCNetV3 after equalization: a per-channel scale first in the Mul, a scalar offset (a Constant node) first in the Add.
        var scaled = b.Op("Mul", [b.Weight("a", [Channels, 1, 1], [0.5f, -2f, 3f, 0.01f]), conv], "scaled");
        var shifted = b.Op("Add", [b.Constant("b", [], [0.25f]), scaled], "shifted");
        var model = b.Output(b.Op("Relu", [shifted], "Y")).Build(13);
        var input = Input();
        var expected = OrtRunner.Run(model, input)[0];

        var result = new PassPipeline(new ChannelAffineFusionPass()).Run(model);

        Assert.True(result.Modified);
        Assert.Equal(["Conv", "BatchNormalization", "Relu"], model.Graph.Nodes.Select(n => n.OpType));
        var batchNorm = model.Graph.Nodes.Single(n => n.OpType == "BatchNormalization");
        Assert.Equal("shifted", batchNorm.Outputs[0]!.Name);
        Assert.Equal(0f, batchNorm.GetAttribute("epsilon")!.Float);
        Assert.Equal([0.5f, -2f, 3f, 0.01f], batchNorm.Inputs[1]!.Initializer!.ToFloatArray());
        Assert.Equal(Enumerable.Repeat(0.25f, Channels), batchNorm.Inputs[2]!.Initializer!.ToFloatArray());
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name == "a");
        // Right after a float Conv, ONNX Runtime folds either form into the Conv, each with its own rounding.
        Numbers.AssertClose(expected, OrtRunner.Run(model, input)[0], 1e-5);
    }

    [Fact]
    public void PairsBetweenQuantizeAndDequantizeAreFusedAndShareTheirZeroMeansAndUnitVariances()
    {
        // A statically quantized block: Conv → Q → DQ → Mul → Add → Relu → Mul → Add.
        var b = new GraphBuilder();
        var conv = Conv(b, b.Input("X", 2, Channels, Side, Side));
        var quantized = b.Op("QuantizeLinear", [conv, b.Weight("scale", [], [0.05f]), ZeroPoint(b)], "conv_q");
        var dequantized = b.Op("DequantizeLinear", [quantized, b.Weight("scale2", [], [0.05f]), ZeroPoint(b, "zero2")], "conv_dq");
        var first = b.Op("Add", [b.Op("Mul", [dequantized, b.Weight("a1", [1, Channels, 1, 1], [1f, 2f, 3f, 4f])], "scaled1"), b.Weight("b1", [Channels, 1, 1], [0f, 1f, -1f, 2f])], "shifted1");
        var activated = b.Op("Relu", [first], "relu");
        var second = b.Op("Add", [b.Op("Mul", [activated, b.Weight("a2", [], [0.5f])], "scaled2"), b.Weight("b2", [Channels, 1, 1], [1f, 1f, 0f, 0f])], "Y");
        var model = b.Output(second).Build(13);
        var input = Input();
        var expected = OrtRunner.Run(model, input)[0];

        Assert.Equal(2, new ChannelAffineFusionPass().Run(model).Report.FusedCount);

        var batchNorms = model.Graph.Nodes.Where(n => n.OpType == "BatchNormalization").ToArray();
        Assert.Equal(2, batchNorms.Length);
        Assert.Same(batchNorms[0].Inputs[3], batchNorms[1].Inputs[3]);
        Assert.Same(batchNorms[0].Inputs[4], batchNorms[1].Inputs[4]);
        Assert.Equal(Enumerable.Repeat(0.5f, Channels), batchNorms[1].Inputs[1]!.Initializer!.ToFloatArray());
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType is "Mul" or "Add");
        // The same arithmetic, rounded at the same two steps: equal, not only close.
        Assert.Equal(expected, OrtRunner.Run(model, input)[0]);
    }

    [Fact]
    public void PairsWhoseResultCouldDifferStay()
    {
        // The product is also a graph output: removing the Mul would take it away.
        var b = new GraphBuilder();
        var conv = Conv(b, b.Input("X", 2, Channels, Side, Side));
        var scaled = b.Op("Mul", [conv, b.Weight("a", [Channels, 1, 1], [1f, 2f, 3f, 4f])], "scaled");
        var read = b.Output(b.Op("Add", [scaled, b.Weight("b", [], [1f])], "Y")).Output(scaled).Build(13);
        Assert.False(new ChannelAffineFusionPass().Run(read).Modified);

        // A constant of four values on a value of rank 4 broadcasts on the last axis, not on the channels.
        Assert.False(new ChannelAffineFusionPass().Run(AffineOn(b2 => Conv(b2, b2.Input("X", 2, Channels, Side, Channels)), [Channels], 13)).Modified);

        // Nothing tells the layout of an input of unknown shape.
        Assert.False(new ChannelAffineFusionPass().Run(AffineOn(b2 => b2.InputOfUnknownShape("X"), [Channels, 1, 1], 13)).Modified);

        // A ConvTranspose whose group claims more output channels than it has weights (a corrupt model) proves no layout.
        Assert.False(new ChannelAffineFusionPass().Run(AffineOn(b2 => b2.Op("ConvTranspose",
            [b2.Input("X", 2, Channels, Side, Side), b2.Weight("W", [Channels, Channels, 3, 3], Numbers.Uniform(Channels * Channels * 9, 1))], "deconv",
            NodeAttribute.FromInt("group", (1L << 40) + 1)), [Channels, 1, 1], 13)).Modified);

        // Before opset 9, BatchNormalization has the spatial attribute; such a model keeps its pairs.
        Assert.False(new ChannelAffineFusionPass().Run(AffineOn(b2 => Conv(b2, b2.Input("X", 2, Channels, Side, Side)), [Channels, 1, 1], 8)).Modified);
    }

    /// <summary>Y = Add(Mul(x, a), 1) with a of <paramref name="scaleDims"/>, x made by <paramref name="source"/>.</summary>
    private static OnnxModel AffineOn(Func<GraphBuilder, Value> source, long[] scaleDims, long opset)
    {
        var b = new GraphBuilder();
        var x = source(b);
        var scaled = b.Op("Mul", [x, b.Weight("a", scaleDims, Numbers.Uniform((int)scaleDims.Aggregate(1L, (p, d) => p * d), 3))], "scaled");
        return b.Output(b.Op("Add", [scaled, b.Weight("b", [], [1f])], "Y")).Build(opset);
    }

    private static Value Conv(GraphBuilder b, Value x)
        => b.Op("Conv", [x, b.Weight("W", [Channels, Channels, 3, 3], Numbers.Uniform(Channels * Channels * 9, 1)), b.Weight("B", [Channels], Numbers.Uniform(Channels, 2))], "conv",
            NodeAttribute.FromInts("pads", [1, 1, 1, 1]));

    private static Value ZeroPoint(GraphBuilder b, string name = "zero")
        => b.Graph.AddInitializer(name, Tensor.FromRawData(name, ElementType.UInt8, [], new byte[] { 128 }));

    private static FloatInput Input() => new("X", Numbers.Uniform(2 * Channels * Side * Side, 5, -3f, 3f), [2, Channels, Side, Side]);
}
