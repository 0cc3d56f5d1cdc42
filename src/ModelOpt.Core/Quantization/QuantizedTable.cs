using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// The initializers of a quantized embedding table: INT8 values [V, H], FLOAT scales ([V, 1] per
/// row, or a scalar), and FLOAT zero points shaped like the scales (null for symmetric tables).
/// </summary>
internal sealed record QuantizedTable(Value Quantized, Value Scales, Value? ZeroPoints, bool PerRow);
