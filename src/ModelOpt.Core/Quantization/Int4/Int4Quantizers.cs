namespace ModelOpt.Core.Quantization.Int4;

/// <summary>The operator quantizers of <see cref="Int4WeightOnlyQuantizationPass"/>, from an explicit list.</summary>
internal static class Int4Quantizers
{
    private static readonly Dictionary<string, IInt4OpQuantizer> ByOpType = new IInt4OpQuantizer[]
    {
        new MatMulNBitsQuantizer(),
        new EmbeddingGatherQuantizer(),
    }.ToDictionary(q => q.OpType, StringComparer.Ordinal);

    /// <summary>The quantizer for <paramref name="opType"/>, or null when the operator is passed through.</summary>
    public static IInt4OpQuantizer? Find(string opType) => ByOpType.GetValueOrDefault(opType);
}
