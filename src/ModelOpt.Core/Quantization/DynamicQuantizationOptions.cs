using ModelOpt.Core.Passes;

namespace ModelOpt.Core.Quantization;

/// <summary>How <see cref="DynamicQuantizationPass"/> quantizes (item metadata Quantize="Dynamic").</summary>
public sealed record DynamicQuantizationOptions
{
    /// <summary>The defaults: per-channel, symmetric, 7-bit int8 weights, nothing excluded.</summary>
    public static DynamicQuantizationOptions Default { get; } = new();

    /// <summary>
    /// One scale per output channel (per output column for MatMul/Gemm, per output feature map
    /// for Conv) instead of one per weight tensor. Costs a few bytes per channel and keeps
    /// layers whose channels differ in range accurate.
    /// </summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>
    /// Symmetric weights: zero point 0, range [-127, 127]. When false, weights use the full
    /// int8 range with a zero point (asymmetric), which fits skewed weight distributions better.
    /// </summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>
    /// Store MatMul and Gemm weights as INT8 on a 7-bit grid ([-63, 63] symmetric, [-64, 63]
    /// asymmetric) instead of UINT8 on the full 8-bit grid. With int8 weights ONNX Runtime's CPU
    /// kernels multiply uint8 activations by int8 weights (its U8S8 GEMM), markedly faster on
    /// x86-64 without VNNI than the uint8 × uint8 kernel that uint8 weights need; that kernel adds
    /// pairs of products in 16 bits (VPMADDUBSW), which 7-bit weights can never overflow
    /// (2 · 255 · 64 = 32,640) while full-range int8 weights can. ONNX Runtime's own quantizer
    /// calls this <c>reduce_range</c>. The price is half the weight resolution; false gives the
    /// finer grid and the slower kernel. Conv weights always use the full UINT8 grid, because
    /// ONNX Runtime's ConvInteger is much slower with INT8 weights.
    /// </summary>
    public bool ReduceRange { get; init; } = true;

    /// <summary>Nodes kept in float (ExcludeNodes, ExcludeOpTypes), as every pass reads them.</summary>
    public NodeFilter Exclusions { get; init; } = NodeFilter.None;
}
