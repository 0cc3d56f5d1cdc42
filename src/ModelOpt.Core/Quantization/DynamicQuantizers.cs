namespace ModelOpt.Core.Quantization;

/// <summary>The operator quantizers of <see cref="DynamicQuantizationPass"/>, from an explicit list.</summary>
internal static class DynamicQuantizers
{
    private static readonly Dictionary<string, IDynamicOpQuantizer> ByOpType = new IDynamicOpQuantizer[]
    {
        new MatMulQuantizer(),
        new GemmQuantizer(),
        new ConvQuantizer(),
    }.ToDictionary(q => q.OpType, StringComparer.Ordinal);

    /// <summary>The quantizer for <paramref name="opType"/>, or null when the operator is passed through.</summary>
    public static IDynamicOpQuantizer? Find(string opType) => ByOpType.GetValueOrDefault(opType);
}
