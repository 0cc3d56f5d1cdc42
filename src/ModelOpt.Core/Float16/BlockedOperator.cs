namespace ModelOpt.Core.Float16;

/// <summary>An operator the float16 conversion keeps in FLOAT, and why.</summary>
/// <param name="OpType">The ONNX operator (default domain).</param>
/// <param name="Reason">Why float16 does not work or does not pay for it, as reports show it.</param>
/// <param name="Condition">When only some uses are kept (an attribute value), which; null when every use is.</param>
public sealed record BlockedOperator(string OpType, string Reason, string? Condition = null);
