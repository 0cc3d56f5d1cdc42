namespace ModelOpt.Core.Float16;

/// <summary>
/// The operators <see cref="Float16ConversionPass"/> always keeps in FLOAT (docs/engine.md,
/// "Float16ConversionPass", has the table with the evidence). Operators whose ONNX schema has no
/// FLOAT16 at the model's opset are kept as well; that comes from the operator table, not from here.
/// </summary>
public static class Float16BlockList
{
    /// <summary>The built-in list, ordered by operator name.</summary>
    public static IReadOnlyList<BlockedOperator> Operators { get; } =
    [
        new("ConvInteger", "a quantized operator: integer data with FLOAT scales by definition"),
        new("DequantizeLinear", "a quantized operator: its FLOAT scales define the quantized model's values"),
        new("DynamicQuantizeLinear", "a quantized operator: takes and produces FLOAT scales only"),
        new("MatMulInteger", "a quantized operator: integer data with FLOAT scales by definition"),
        new("QLinearConv", "a quantized operator: integer data with FLOAT scales by definition"),
        new("QLinearMatMul", "a quantized operator: integer data with FLOAT scales by definition"),
        new("QuantizeLinear", "a quantized operator: takes FLOAT (not FLOAT16) before opset 19, and its scale defines the quantized model's values"),
    ];

    private static readonly Dictionary<string, string> Reasons = Operators.ToDictionary(o => o.OpType, o => o.Reason, StringComparer.Ordinal);

    /// <summary>Why <paramref name="opType"/> stays in FLOAT, or null when it is not on the list.</summary>
    public static string? ReasonFor(string opType) => Reasons.GetValueOrDefault(opType);
}
