namespace ModelOpt.Core.Quantization;

/// <summary>What happened to one quantizable node.</summary>
/// <param name="NodeName">The node's name (its first output's name when it has none).</param>
/// <param name="OpType">The operator, e.g. <c>Conv</c>.</param>
/// <param name="Precision">The precision of its weights now.</param>
/// <param name="Granularity">Per-tensor or per-channel scales; null when left in float.</param>
/// <param name="Reason">Why it stayed in float, or why it got a coarser granularity than asked; null otherwise.</param>
public sealed record NodeQuantization(string NodeName, string OpType, NodePrecision Precision, QuantizationGranularity? Granularity, string? Reason);
