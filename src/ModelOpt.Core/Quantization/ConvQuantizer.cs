using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// Conv with a constant W [M, C/group, k1, …]: becomes
/// DynamicQuantizeLinear(X) → ConvInteger(X_q, W_q, X_zp, W_zp) (same auto_pad, dilations,
/// group, kernel_shape, pads, strides: ConvInteger-10 has Conv's attributes) → Cast →
/// Mul(X_scale·W_scale) → Add(B). Per channel means per output feature map: the scales are
/// stored as [M, 1, …, 1] so the Mul broadcasts them over (N, M, D1, …).
/// ONNX Runtime 1.31's CPU ConvInteger takes uint8 activations with int8 or uint8 weights but
/// only a single weight zero point ("Non per-tensor quantization is not supported now",
/// conv_integer.cc), so asymmetric weights are quantized per tensor; symmetric per-channel
/// weights all share zero point 128 (uint8 storage, see QuantizationContext.AddQuantizedWeight)
/// and pass one scalar. Conv weights ignore <see cref="DynamicQuantizationOptions.ReduceRange"/>
/// and stay UINT8 on the full grid: with INT8 weights ONNX Runtime 1.31.1's ConvInteger made
/// the CNTK ResNet18 3.9× slower (63.6 → 248.7 ms, one thread, AVX2), and the finer grid keeps
/// its accuracy.
/// </summary>
internal sealed class ConvQuantizer : IDynamicOpQuantizer
{
    private const string PerTensorFallback =
        "asymmetric weights use one zero point per tensor: ONNX Runtime's ConvInteger accepts only a per-tensor weight zero point";

    public string? WhyNot(QuantizationContext context, Node node)
        => context.WeightProblem(node, 1, minRank: 3, maxRank: int.MaxValue) ?? QuantizationContext.ActivationProblem(node);

    public (QuantizationGranularity Granularity, string? Note) Quantize(QuantizationContext context, Node node)
    {
        var w = node.Inputs[1]!;
        long[] dims = [.. ConstantValues.TryGetTensor(context.Model, w)!.Dims];
        long outputChannels = dims[0];
        long perChannelElements = 1;
        for (int i = 1; i < dims.Length; i++) perChannelElements *= dims[i];
        bool perChannel = context.Options.PerChannel && context.Options.Symmetric;
        string? note = context.Options.PerChannel && !perChannel ? PerTensorFallback : null;

        // [M, 1, …, 1]: one scale per output channel, broadcastable against the (N, M, D1, …) output.
        long[] channelShape = [outputChannels, .. Enumerable.Repeat(1L, dims.Length - 2)];
        var weight = context.AddQuantizedWeight(node, 1, perChannel ? "channels" : "tensor", () => context.ReadWeight(node, 1), dims,
            perChannel ? (int)outputChannels : 1, perChannel ? perChannelElements : outputChannels * perChannelElements,
            perChannel ? channelShape : [], reduceRange: false);

        string baseName = GraphEdits.BaseName(node);
        var bias = Bias(context, node, channelShape, baseName);
        var activation = context.QuantizeActivation(node, node.Inputs[0]!, share: true);
        var product = new Node("ConvInteger", [activation.Quantized, weight.Quantized, activation.ZeroPoint, weight.ZeroPoint],
            [context.Names.Reserve(baseName + "_int32")], node.Name);
        foreach (var attribute in node.Attributes) product.Attributes.Add(attribute);
        context.ReplaceWithScaledProduct(node, product, activation, weight, bias);
        return (perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, note);
    }

    /// <summary>B [M] reshaped to [M, 1, …, 1] so it adds per output channel; null without B.</summary>
    private static Value? Bias(QuantizationContext context, Node node, long[] channelShape, string baseName)
    {
        var b = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        if (b is null) return null;
        if (ConstantValues.TryGetTensor(context.Model, b) is { ElementType: ElementType.Float } tensor)
        {
            context.RemoveLaterIfUnused(b);
            return context.AddFloats(node.Graph!, b.Name + "_per_channel", channelShape, tensor.ToFloatArray());
        }
        long[] shape = [-1, .. channelShape.Skip(1)];
        var shapeValue = context.AddInitializer(node.Graph!, baseName + "_bias_shape", name => TensorFactory.Int64s(name, shape));
        return context.InsertBefore(node, "Reshape", [b, shapeValue], baseName + "_bias_per_channel");
    }
}
