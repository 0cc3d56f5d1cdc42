using ModelOpt.Core.Passes;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>How <see cref="StaticQuantizationPass"/> quantizes (item metadata Quantize="Static").</summary>
public sealed record StaticQuantizationOptions
{
    /// <summary>The defaults: per-channel symmetric 7-bit weights in int8, asymmetric uint8 activations, MinMax calibration.</summary>
    public static StaticQuantizationOptions Default { get; } = new();

    /// <summary>
    /// One weight scale per output channel (Conv: axis 0 of W; MatMul: per column of B; Gemm: per
    /// output column) instead of one per tensor. Needs DequantizeLinear's <c>axis</c>, so the
    /// model is moved to opset 13 at least.
    /// </summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>
    /// Symmetric weights: zero point 0, values in [-127, 127] ([-63, 63] with
    /// <see cref="ReduceWeightRange"/>). When false, weights use the whole grid with a zero point;
    /// Conv weights then stay per-tensor, because ONNX Runtime's QLinearConv requires one zero
    /// point for all channels.
    /// </summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>
    /// Weights on a 7-bit grid ([-63, 63] symmetric), stored as int8. ONNX Runtime's fast U8S8
    /// kernels on x86-64 CPUs without VNNI add pairs of products in 16 bits, which full-range
    /// int8 weights overflow; 7-bit weights cannot. When false, weights use the full int8 grid;
    /// with uint8 activations they are then stored as uint8 (+128) and run in the exact but slower
    /// U8U8 kernels. On by default: measured on ResNet18 (ONNX Runtime 1.31.1, AVX2, one thread)
    /// the 7-bit model ran at 0.57 of the float latency against 0.83, with a feature cosine to the
    /// float model lower by less than 0.001.
    /// </summary>
    public bool ReduceWeightRange { get; init; } = true;

    /// <summary>The 8-bit type of the activations.</summary>
    public ActivationType ActivationType { get; init; } = ActivationType.UInt8;

    /// <summary>
    /// Symmetric activation ranges (zero point in the middle of the type). Off by default: an
    /// asymmetric range spends all 256 steps on what the tensor really holds (for example [0, max]
    /// after a Relu), and it lets ONNX Runtime drop a Relu into the quantized node before it.
    /// </summary>
    public bool SymmetricActivations { get; init; }

    /// <summary>
    /// Correct each Conv's bias for the expected error of its rounded weights, from the mean of
    /// every input channel over the calibration data (<see cref="BiasCorrection"/>). On by
    /// default: it costs nothing at inference and most helps depthwise convolutions.
    /// </summary>
    public bool BiasCorrection { get; init; } = true;

    /// <summary>How each weight picks its grid point: <see cref="WeightRounding.Gptq"/> by default.</summary>
    public WeightRounding WeightRounding { get; init; } = WeightRounding.Gptq;

    /// <summary>
    /// The longest weight row (C/group·kH·kW for a Conv, K for a MatMul) that
    /// <see cref="WeightRounding.Gptq"/> rounds: its cost grows with the cube of it (a 1,536-column
    /// layer takes about a second), and its Gram matrix takes that squared in float64.
    /// </summary>
    public int MaxErrorCompensatedColumns { get; init; } = 1536;

    /// <summary>
    /// The memory the input Gram matrices of <see cref="WeightRounding.Gptq"/> may take together
    /// (they are all accumulated in the one calibration run): layers beyond it, in graph order,
    /// round to nearest. 1 GiB holds a hundred 1,152-column layers.
    /// </summary>
    public long MaxErrorCompensationBytes { get; init; } = 1L << 30;

    /// <summary>How activation ranges are estimated from the calibration data.</summary>
    public CalibrationMethod CalibrationMethod { get; init; } = CalibrationMethod.MinMax;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the percentage of values each range keeps, in (50, 100].</summary>
    public double Percentile { get; init; } = 99.999;

    /// <summary>Nodes kept in float (ExcludeNodes, ExcludeOpTypes), as every pass reads them.</summary>
    public NodeFilter Exclusions { get; init; } = NodeFilter.None;
}
