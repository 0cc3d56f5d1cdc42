using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// Conv with a constant W [M, C/group, k…] and optional constant B [M]: X and W read through
/// DequantizeLinear (W per output channel on axis 0, or per tensor), B as int32 with scale
/// x_scale·w_scale[m]. ONNX Runtime's ConvNodeGroupSelector turns DQ(X), DQ(W), DQ(B) → Conv → Q
/// into QLinearConv when X is uint8 (or int8 with int8 W on ARM) and B is int32. Its QLinearConv
/// takes one weight zero point for all channels ("zero point of per-channel filter must be
/// same", qlinearconv.cc), so asymmetric weights are quantized per tensor. With
/// <see cref="StaticQuantizationOptions.BiasCorrection"/> the bias also cancels the expected
/// error of the rounded weights (<see cref="BiasCorrection"/>).
/// </summary>
internal sealed class ConvStaticQuantizer : IStaticOpQuantizer
{
    private const string PerTensorFallback =
        "asymmetric weights use one zero point per tensor: ONNX Runtime's QLinearConv requires the same weight zero point for every channel";

    public OutputParameters Output => OutputParameters.Calibrated;

    public bool HasWeights => true;

    public IReadOnlyList<int> ActivationInputs(Node node) => [0];

    public string? WhyNot(StaticQuantizationContext context, Node node)
    {
        var problem = context.WeightProblem(node, 1, minRank: 3, maxRank: int.MaxValue) ?? context.ActivationProblem(node, 0);
        if (problem is not null) return problem;
        if (node.Inputs.Count > 2 && node.Inputs[2] is { } b
            && ConstantValues.TryGetTensor(context.Model, b) is not { ElementType: ElementType.Float, Dims.Count: 1 })
        {
            return $"its bias '{b.Name}' is not a constant FLOAT vector; a quantized Conv needs a constant int32 bias";
        }
        return null;
    }

    public (QuantizationGranularity? Granularity, string? Note) QuantizeConstants(StaticQuantizationContext context, Node node, QuantizationParameters input)
    {
        var options = context.Options;
        long[] dims = [.. ConstantValues.TryGetTensor(context.Model, node.Inputs[1]!)!.Dims];
        int outputChannels = (int)dims[0];
        long perChannelElements = dims.Skip(1).Aggregate(1L, (a, d) => a * d);
        bool perChannel = options.PerChannel && options.Symmetric;

        var values = context.ReadWeight(node, 1);
        float[]? bias = node.Inputs.Count > 2 && node.Inputs[2] is not null ? StaticBias.Read(context, node, 2) : null;
        int channels = perChannel ? outputChannels : 1;
        long inner = perChannel ? perChannelElements : values.Length;
        int groups = (int)(node.GetAttribute("group")?.Int ?? 1);
        int rowLength = (int)perChannelElements, perGroup = outputChannels / groups;
        // Rows are output channels (W is [M, C/group, k…], a row contiguous), each reading its group's inputs.
        StaticWeight Quantize(float[]? withBias) => context.ErrorCompensated(node, values,
            StaticWeightQuantizer.Quantize(values, channels, inner, options.Symmetric, context.WeightBits, withBias, input.Scale),
            outputChannels, rowLength, 1, row => row / perGroup);
        var quantized = Quantize(bias);
        if (options.BiasCorrection && bias is not null && context.InputChannelMeans(node.Inputs[0]!) is { } means && means.Length == dims[1] * groups)
        {
            bias = BiasCorrection.Correct(values, quantized.Weight.Dequantize(inner), outputChannels, groups, means, bias);
            quantized = Quantize(bias);
        }

        var weight = quantized.Weight;
        context.DequantizeWeight(node, 1, weight.Values, dims, weight.Scales, weight.ZeroPoints, perChannel ? 0 : null);
        if (bias is not null) context.DequantizeBias(node, 2, quantized.Bias!, [bias.Length], quantized.BiasScales!);
        string? note = options.PerChannel && !perChannel ? PerTensorFallback : null;
        return (perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, note);
    }
}
