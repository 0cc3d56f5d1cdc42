using ModelOpt.Core.Passes;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>How <see cref="Int4WeightOnlyQuantizationPass"/> quantizes (item metadata Quantize="Int4").</summary>
public sealed record Int4QuantizationOptions
{
    /// <summary>The defaults: blocks of 32, symmetric, nothing excluded.</summary>
    public static Int4QuantizationOptions Default { get; } = new();

    /// <summary>The block sizes the pass accepts (DESIGN.md §1: BlockSize 32/64/128).</summary>
    public static IReadOnlyList<int> SupportedBlockSizes { get; } = [32, 64, 128];

    /// <summary>
    /// Weights per scale along the reduction axis: 32, 64 or 128. Smaller blocks follow the
    /// weights more closely and cost more scales: with 32, a float scale per 32 four-bit values
    /// adds one bit per weight (5 bits per weight in all, 15.6% of FLOAT); with 128, a quarter bit.
    /// </summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>
    /// Symmetric blocks: no zero point is stored and ONNX Runtime uses the implied zero point 8,
    /// so each block is one scale. When false, every block also stores a 4-bit zero point and the
    /// codes span the block's [min, max] range (with 0 in it), which fits lopsided blocks better.
    /// </summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>
    /// How MatMul weights pick their codes when the pass is given calibration samples:
    /// <see cref="Static.WeightRounding.Gptq"/> (the default) compensates each rounding error with
    /// the input Gram matrix measured on them; without samples, or with
    /// <see cref="Static.WeightRounding.Nearest"/>, each weight rounds to the nearest code.
    /// </summary>
    public Static.WeightRounding WeightRounding { get; init; } = Static.WeightRounding.Gptq;

    /// <summary>
    /// The longest K whose weights are error-compensated (the cost grows with its cube; see
    /// <see cref="Static.StaticQuantizationOptions.MaxErrorCompensatedColumns"/>); longer ones round to nearest.
    /// </summary>
    public int MaxErrorCompensatedColumns { get; init; } = 1536;

    /// <summary>The most bytes the input Gram matrices of one run may take (K² float64 each); later layers round to nearest.</summary>
    public long MaxErrorCompensationBytes { get; init; } = 1L << 30;

    /// <summary>Nodes kept in float (ExcludeNodes, ExcludeOpTypes; the operator types quantized are <c>MatMul</c> and <c>Gather</c>).</summary>
    public NodeFilter Exclusions { get; init; } = NodeFilter.None;
}
