using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>The initializers of a quantized weight: int8 values, FLOAT scales, int8 zero point.</summary>
internal sealed record WeightValues(Value Quantized, Value Scale, Value ZeroPoint);
