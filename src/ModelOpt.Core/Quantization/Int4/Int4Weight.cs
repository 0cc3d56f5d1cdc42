using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>The initializers of a weight in 4-bit form: UINT8 codes, FLOAT scales, and UINT8 zero points when asymmetric.</summary>
internal sealed record Int4Weight(Value Data, Value Scales, Value? ZeroPoints);
