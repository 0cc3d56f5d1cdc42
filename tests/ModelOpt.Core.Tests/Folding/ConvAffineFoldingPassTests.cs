using ModelOpt.Core.Folding;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Folding;

public sealed class ConvAffineFoldingPassTests
{
    private const int Channels = 4;
    private const int Features = 6;
    private const int Side = 7;

    [Theory]
    [InlineData(true, true, new long[0])]
    [InlineData(true, false, new long[] { 1 })]
    [InlineData(false, true, new long[] { Features, 1, 1 })]
    [InlineData(true, true, new long[] { 1, Features, 1, 1 })]
    public void ScaleAndShiftAfterAConvBecomeItsWeightsAndBias(bool scale, bool shift, long[] constantDims)
    {
        // A learnable affine block as PaddleOCR's PP-LCNetV3 exports it: Conv → Mul(a) → Add(d), then a reader.
        var (model, input) = ConvAffine(scale, shift, constantDims);
        var expected = OrtRunner.Run(model, input)[0];

        var result = new ConvAffineFoldingPass().Run(model);

        Assert.True(result.Modified);
        Assert.Equal((scale ? 1 : 0) + (shift ? 1 : 0), result.Report.FoldedCount);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType is "Mul" or "Add");
        var conv = Assert.Single(model.Graph.Nodes, n => n.OpType == "Conv");
        Assert.Equal(shift ? "shifted" : "scaled", conv.Outputs[0]!.Name);
        Numbers.AssertClose(expected, OrtRunner.Run(model, input)[0], 1e-4);
    }

    [Fact]
    public void AConvOutputWithAnotherReaderIsLeftAlone()
    {
        // HardSwish as exporters write it reads the Conv output twice (Add 3 and Mul): no affine block to fold.
        var b = new GraphBuilder();
        var x = b.Input("X", 1, Channels, Side, Side);
        var conv = b.Op("Conv", [x, b.Weight("W", [Features, Channels, 3, 3], Numbers.Uniform(Features * Channels * 9, 1))], "conv");
        var plus = b.Op("Add", [conv, b.Weight("three", [], [3f])], "plus");
        var model = b.Output(b.Op("Mul", [conv, plus], "Y")).Build(13);

        Assert.False(new ConvAffineFoldingPass().Run(model).Modified);
        Assert.Equal(3, model.Graph.Nodes.Count);
    }

    [Fact]
    public void AShiftThatIsNotOnePerChannelIsLeftAlone()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, Channels, Side, Side);
        var conv = b.Op("Conv", [x, b.Weight("W", [Features, Channels, 3, 3], Numbers.Uniform(Features * Channels * 9, 1))], "conv",
            NodeAttribute.FromInts("pads", [1, 1, 1, 1]));
        var model = b.Output(b.Op("Add", [conv, b.Weight("map", [1, 1, Side, Side], Numbers.Uniform(Side * Side, 2))], "Y")).Build(13);

        Assert.False(new ConvAffineFoldingPass().Run(model).Modified);
    }

    private static (OnnxModel Model, FloatInput Input) ConvAffine(bool scale, bool shift, long[] constantDims)
    {
        int count = constantDims.Length == 0 ? 1 : (int)constantDims.Aggregate(1L, (a, d) => a * d);
        var b = new GraphBuilder();
        var x = b.Input("X", 1, Channels, Side, Side);
        Value y = b.Op("Conv", [x, b.Weight("W", [Features, Channels, 3, 3], Numbers.Uniform(Features * Channels * 9, 1)),
            b.Weight("B", [Features], Numbers.Uniform(Features, 2))], "conv", NodeAttribute.FromInts("pads", [1, 1, 1, 1]));
        if (scale) y = b.Op("Mul", [b.Weight("a", constantDims, Numbers.Uniform(count, 3, 0.5f, 2f)), y], "scaled");
        if (shift) y = b.Op("Add", [y, b.Weight("d", constantDims, Numbers.Uniform(count, 4))], "shifted");
        var model = b.Output(b.Op("Relu", [y], "Y")).Build(13);
        return (model, new FloatInput("X", Numbers.Uniform(Channels * Side * Side, 5, -2f, 2f), [1, Channels, Side, Side]));
    }
}
