namespace ModelOpt.Core.Quantization.Static;

/// <summary>How <see cref="StaticQuantizationPass"/> quantizes (item metadata Quantize="Static").</summary>
public sealed record StaticQuantizationOptions
{
    /// <summary>The defaults: per-channel symmetric int8 weights, asymmetric uint8 activations, MinMax calibration.</summary>
    public static StaticQuantizationOptions Default { get; } = new();

    /// <summary>
    /// One weight scale per output channel (Conv: axis 0 of W; MatMul: per column of B; Gemm: per
    /// output column) instead of one per tensor. Needs DequantizeLinear's <c>axis</c>, so the
    /// model is moved to opset 13 at least.
    /// </summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>
    /// Symmetric weights: zero point 0, values in [-127, 127]. When false, weights use the full
    /// int8 range with a zero point; Conv weights then stay per-tensor, because ONNX Runtime's
    /// QLinearConv requires one zero point for all channels.
    /// </summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>The 8-bit type of the activations.</summary>
    public ActivationType ActivationType { get; init; } = ActivationType.UInt8;

    /// <summary>
    /// Symmetric activation ranges (zero point in the middle of the type). Off by default: an
    /// asymmetric range spends all 256 steps on what the tensor really holds (for example [0, max]
    /// after a Relu), and it lets ONNX Runtime drop a Relu into the quantized node before it.
    /// </summary>
    public bool SymmetricActivations { get; init; }

    /// <summary>How activation ranges are estimated from the calibration data.</summary>
    public CalibrationMethod CalibrationMethod { get; init; } = CalibrationMethod.MinMax;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the percentage of values each range keeps, in (50, 100].</summary>
    public double Percentile { get; init; } = 99.999;

    /// <summary>Nodes kept in float, by node name (unnamed nodes by their first output's name).</summary>
    public IReadOnlyCollection<string> ExcludeNodes { get; init; } = [];

    /// <summary>Operator types kept in float, e.g. <c>Add</c>.</summary>
    public IReadOnlyCollection<string> ExcludeOpTypes { get; init; } = [];
}
