namespace ModelOpt.Core.Quantization;

/// <summary>
/// A weight tensor in int8: <c>w ≈ scale[c] · (q − zeroPoint[c])</c> for the channel c of each
/// element (ONNX's linear quantization, as in QuantizeLinear/DequantizeLinear).
/// </summary>
/// <param name="Values">The quantized values, in the weight's element order.</param>
/// <param name="Scales">One scale per channel (one in total for per-tensor).</param>
/// <param name="ZeroPoints">One zero point per channel; all 0 for symmetric weights.</param>
internal sealed record QuantizedWeight(sbyte[] Values, float[] Scales, sbyte[] ZeroPoints);
