using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>How <see cref="StaticQuantizationPass"/> treats one operator type (registered in <see cref="StaticQuantizers"/>).</summary>
internal interface IStaticOpQuantizer
{
    /// <summary>Where the output's parameters come from.</summary>
    OutputParameters Output { get; }

    /// <summary>
    /// Whether the operator has weights to quantize (Conv, MatMul, Gemm). One without weights
    /// gains nothing when its output stays float: ONNX Runtime then runs it in float.
    /// </summary>
    bool HasWeights { get; }

    /// <summary>The inputs that carry activations to quantize (by index).</summary>
    IReadOnlyList<int> ActivationInputs(Node node);

    /// <summary>Why <paramref name="node"/> must stay in float, or null. Changes nothing.</summary>
    string? WhyNot(StaticQuantizationContext context, Node node);

    /// <summary>
    /// Replaces the node's constant inputs (weights, bias) by their quantized form read through
    /// DequantizeLinear, given the parameters of its quantized activation input. Returns the weight
    /// granularity (null for ops without weights) and, when coarser than asked or when ONNX Runtime
    /// will not fuse the node, why.
    /// </summary>
    (QuantizationGranularity? Granularity, string? Note) QuantizeConstants(StaticQuantizationContext context, Node node, QuantizationParameters input);
}
