namespace ModelOpt.Core.Quantization;

/// <summary>How <see cref="DynamicQuantizationPass"/> quantizes (item metadata Quantize="Dynamic").</summary>
public sealed record DynamicQuantizationOptions
{
    /// <summary>The defaults: per-channel, symmetric, nothing excluded.</summary>
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

    /// <summary>Nodes kept in float, by node name (unnamed nodes by their first output's name).</summary>
    public IReadOnlyCollection<string> ExcludeNodes { get; init; } = [];

    /// <summary>Operator types kept in float, e.g. <c>Gemm</c>.</summary>
    public IReadOnlyCollection<string> ExcludeOpTypes { get; init; } = [];
}
