using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// The operators <see cref="Float16ConversionPass"/> always keeps in FLOAT, each with the
/// evidence (docs/engine.md, "Float16ConversionPass", has the table). Found by converting ONNX's
/// backend test suite and loading and running every model in ONNX Runtime 1.31.1 (CPU), and
/// from ONNX Runtime's CPU kernel registrations. Operators whose ONNX schema has no FLOAT16 at
/// the model's opset (Range, Celu, NonMaxSuppression, CumSum before 14, IsInf before 20) are
/// kept as well; that fact lives in the operator table, not here.
/// </summary>
public static class Float16BlockList
{
    private const string Quantized = "a quantized operator: integer data with FLOAT scales by definition";
    private const string NoKernel = "ONNX Runtime's CPU provider has no FLOAT16 kernel for it, and no cast fallback applies because its output type comes from an attribute";
    private const string NoReduction = "reduction is 'add', 'mul', 'max' or 'min'";

    /// <summary>The built-in list, ordered by operator name.</summary>
    public static IReadOnlyList<BlockedOperator> Operators { get; } =
    [
        new("ConvInteger", Quantized),
        new("DequantizeLinear", "a quantized operator: its FLOAT scales define the quantized model's values"),
        new("DynamicQuantizeLinear", "a quantized operator: takes and produces FLOAT scales only"),
        new("EyeLike", NoKernel),
        new("MatMulInteger", Quantized),
        new("MeanVarianceNormalization", "ONNX Runtime expands it into its ONNX function body, whose FLOAT constants do not type-check with FLOAT16 inputs"),
        new("MelWeightMatrix", NoKernel),
        new("QLinearConv", Quantized),
        new("QLinearMatMul", Quantized),
        new("QuantizeLinear", "a quantized operator: takes FLOAT (not FLOAT16) before opset 19, and its scale defines the quantized model's values"),
        new("RandomNormal", NoKernel),
        new("RandomUniform", NoKernel),
        new("ScatterElements", "ONNX Runtime's CPU kernel rejects FLOAT16 with a reduction at run time", NoReduction),
        new("ScatterND", "ONNX Runtime's CPU kernel rejects FLOAT16 with a reduction at run time", NoReduction),
    ];

    private static readonly Dictionary<string, BlockedOperator> ByOpType = Operators.ToDictionary(o => o.OpType, StringComparer.Ordinal);

    /// <summary>Why <paramref name="node"/> (a default-domain node) stays in FLOAT, or null when the list does not keep it.</summary>
    public static string? ReasonFor(Node node)
    {
        if (!ByOpType.TryGetValue(node.OpType, out var entry)) return null;
        if (entry.Condition == NoReduction && !HasReduction(node)) return null;
        return entry.Condition is null ? entry.Reason : $"{entry.Reason} ({entry.Condition})";
    }

    /// <summary>ScatterElements/ScatterND-16+: 'none', the default, overwrites; the others combine with the existing value.</summary>
    private static bool HasReduction(Node node)
        => node.GetAttribute("reduction") is { Kind: AttributeKind.String } reduction && reduction.String != "none";
}
