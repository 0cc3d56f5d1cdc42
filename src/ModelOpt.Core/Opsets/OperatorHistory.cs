namespace ModelOpt.Core.Opsets;

/// <summary>An ONNX operator's schema versions: when it appeared and every change since.</summary>
/// <param name="OpType">The operator, e.g. <c>BatchNormalization</c>.</param>
/// <param name="Since">The first opset that has the operator.</param>
/// <param name="Changes">Later schema versions, ascending (only those the upgrade can cross).</param>
internal sealed record OperatorHistory(string OpType, int Since, IReadOnlyList<SchemaChange> Changes);
