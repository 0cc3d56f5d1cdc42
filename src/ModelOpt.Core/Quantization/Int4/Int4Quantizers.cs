using ModelOpt.Core.Operators;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// The operator quantizers of <see cref="Int4WeightOnlyQuantizationPass"/>, from an explicit list.
/// The contrib operators they write read only the constant weight and the activation, which mean
/// the same in every version of MatMul and Gather, so one registration each covers them all.
/// </summary>
internal static class Int4Quantizers
{
    /// <summary>The registry; an operator without an entry is passed through in float.</summary>
    public static OperatorRegistry<IInt4OpQuantizer> Registry { get; } = new(
    [
        new("", "MatMul", 1, new MatMulNBitsQuantizer()),
        new("", "Gather", 1, new EmbeddingGatherQuantizer()),
    ]);
}
