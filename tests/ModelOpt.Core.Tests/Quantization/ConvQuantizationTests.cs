using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Quantization;

public sealed class ConvQuantizationTests
{
    private const int Channels = 4;
    private const int Features = 6;
    private const int Side = 9;

    [Theory]
    [InlineData(true, true, 1, 0, 1, true)]
    [InlineData(true, false, 1, 0, 1, true)]
    [InlineData(false, true, 2, 1, 1, true)]
    [InlineData(false, false, 2, 1, 1, true)]
    [InlineData(true, true, 1, 1, 2, true)]
    [InlineData(true, true, 1, 0, 1, false)]
    [InlineData(false, true, 2, 1, 1, false)]
    public void ConvBecomesConvIntegerAndStaysClose(bool perChannel, bool withBias, int stride, int pad, int group, bool reduceRange)
    {
        var (model, input) = ConvModel(withBias, stride, pad, group, runtimeBias: false);

        var report = QuantizedModels.QuantizeAndCompare(model, new DynamicQuantizationOptions { PerChannel = perChannel, ReduceRange = reduceRange }, input,
            reduction: Channels / group * 9, maxAbsWeight: 0.5f);

        Assert.Equal(new NodeQuantization("conv", "Conv", NodePrecision.Int8,
            perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null), Assert.Single(report.Nodes));
        var integer = Assert.Single(model.Graph.Nodes, n => n.OpType == "ConvInteger");
        Assert.Equal("conv", integer.Name);
        Assert.Equal(group, integer.GetAttribute("group")?.Int ?? 1);
        Assert.Equal(perChannel ? [Features, 1, 1] : [], QuantizedModels.Initializer(model, "W_scale")!.Initializer!.Dims);
        // ReduceRange leaves Conv on the full UINT8 grid (ConvInteger is slow with INT8 weights).
        Assert.Equal(ElementType.UInt8, QuantizedModels.Initializer(model, "W_quantized")!.Initializer!.ElementType);
        Assert.Null(QuantizedModels.Initializer(model, "W"));
        Assert.Null(QuantizedModels.Initializer(model, "B"));
        Assert.Equal(withBias, QuantizedModels.Initializer(model, "B_per_channel") is not null);
    }

    [Fact]
    public void AsymmetricPerChannelFallsBackToPerTensorAndSaysWhy()
    {
        var (model, input) = ConvModel(withBias: true, stride: 1, pad: 1, group: 1, runtimeBias: false);

        var report = QuantizedModels.QuantizeAndCompare(model, new DynamicQuantizationOptions { PerChannel = true, Symmetric = false }, input,
            reduction: Channels * 9, maxAbsWeight: 0.5f);

        var entry = Assert.Single(report.Nodes);
        Assert.Equal(QuantizationGranularity.PerTensor, entry.Granularity);
        Assert.Contains("ConvInteger accepts only a per-tensor weight zero point", entry.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ABiasComputedAtRunTimeIsReshapedPerChannel()
    {
        var (model, input) = ConvModel(withBias: true, stride: 1, pad: 0, group: 1, runtimeBias: true);

        QuantizedModels.QuantizeAndCompare(model, DynamicQuantizationOptions.Default, input, reduction: Channels * 9, maxAbsWeight: 0.5f);

        Assert.Contains(model.Graph.Nodes, n => n.OpType == "Reshape");
    }

    [Fact]
    public void ConvNodesReadingOneActivationShareItsQuantization()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, Channels, Side, Side);
        var first = b.Op("Conv", [x, b.Weight("W1", [Features, Channels, 3, 3], Numbers.Uniform(Features * Channels * 9, seed: 31))], "first");
        var second = b.Op("Conv", [x, b.Weight("W2", [Features, Channels, 3, 3], Numbers.Uniform(Features * Channels * 9, seed: 32))], "second");
        var model = b.Output(b.Op("Add", [first, second], "Y")).Build(opset: 13);

        new DynamicQuantizationPass().Run(model);

        Assert.Single(model.Graph.Nodes, n => n.OpType == "DynamicQuantizeLinear");
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "ConvInteger"));
    }

    internal static (OnnxModel Model, FloatInput Input) ConvModel(bool withBias, int stride, int pad, int group, bool runtimeBias)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, Channels, Side, Side);
        int perFeature = Channels / group * 9;
        var weights = Numbers.Uniform(Features * perFeature, seed: 33, -0.5f, 0.5f);
        // Output channels of very different ranges, so per-channel scales matter.
        for (int i = 0; i < weights.Length; i++) weights[i] *= 0.1f + i / perFeature / (float)Features;
        var w = b.Weight("W", [Features, Channels / group, 3, 3], weights);
        Value? bias = null;
        if (withBias)
        {
            bias = runtimeBias
                ? b.Op("Identity", [b.Constant("B", [Features], Numbers.Uniform(Features, seed: 34))], "B_runtime")
                : b.Weight("B", [Features], Numbers.Uniform(Features, seed: 34));
        }
        var y = b.Op("Conv", bias is null ? [x, w] : [x, w, bias], "conv",
            NodeAttribute.FromInts("kernel_shape", [3, 3]), NodeAttribute.FromInts("strides", [stride, stride]),
            NodeAttribute.FromInts("pads", [pad, pad, pad, pad]), NodeAttribute.FromInt("group", group));
        var model = b.Output(b.Op("Relu", [y], "Y")).Build(opset: 13);
        return (model, new FloatInput("X", Numbers.Uniform(2 * Channels * Side * Side, seed: 35, -1, 3), [2, Channels, Side, Side]));
    }
}
