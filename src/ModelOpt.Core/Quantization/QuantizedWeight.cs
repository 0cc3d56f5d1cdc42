namespace ModelOpt.Core.Quantization;

/// <summary>
/// A weight tensor in int8: <c>w ≈ scale[c] · (q − zeroPoint[c])</c> for the channel c of each
/// element (ONNX's linear quantization, as in QuantizeLinear/DequantizeLinear).
/// </summary>
/// <param name="Values">The quantized values, in the weight's element order.</param>
/// <param name="Scales">One scale per channel (one in total for per-tensor).</param>
/// <param name="ZeroPoints">One zero point per channel; all 0 for symmetric weights.</param>
internal sealed record QuantizedWeight(sbyte[] Values, float[] Scales, sbyte[] ZeroPoints)
{
    /// <summary>The values read back as floats, <c>(q − zero point) · scale</c>; element i belongs to channel <c>(i / innerStride) % channels</c>.</summary>
    public float[] Dequantize(long innerStride)
    {
        var result = new float[Values.Length];
        int channels = Scales.Length;
        for (int i = 0; i < result.Length; i++)
        {
            int c = channels == 1 ? 0 : (int)(i / innerStride % channels);
            result[i] = (Values[i] - ZeroPoints[c]) * Scales[c];
        }
        return result;
    }
}
