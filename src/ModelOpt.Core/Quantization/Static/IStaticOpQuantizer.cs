using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>Where the quantization parameters of a quantized node's output come from.</summary>
internal enum OutputParameters
{
    /// <summary>The output is calibrated like any activation (Conv, Add, AveragePool, …).</summary>
    Calibrated,

    /// <summary>
    /// The output reuses its input's scale and zero point: the op only moves or selects values
    /// (MaxPool, Reshape, Flatten), and ONNX Runtime removes the Q/DQ pair around it only when
    /// both sides are equal (DropQDQNodesRules). Quantized only when its input is quantized anyway.
    /// </summary>
    SameAsInput,
}

/// <summary>How <see cref="StaticQuantizationPass"/> treats one operator type.</summary>
internal interface IStaticOpQuantizer
{
    /// <summary>The operator (default ONNX domain).</summary>
    string OpType { get; }

    /// <summary>Where the output's parameters come from.</summary>
    OutputParameters Output { get; }

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
