namespace ModelOpt.Core.Quantization;

/// <summary>
/// Float weights to int8, per tensor or per channel. Deterministic by construction: one
/// sequential pass per statistic, round-half-to-even as ONNX's QuantizeLinear specifies, no
/// dependence on thread timing.
/// </summary>
internal static class WeightQuantizer
{
    /// <summary>
    /// The smallest scale ever written. A channel whose weights are all zero (or tiny) would
    /// otherwise get scale 0, and a zero scale turns into 0·∞ = NaN wherever a runtime divides by
    /// it. With the floor, such a channel quantizes to zeros and dequantizes to zeros, and any
    /// weight below 127 × 1e-12 in magnitude is off by at most 5e-13.
    /// </summary>
    public const float MinimumScale = 1e-12f;

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) return i;
        }
        return -1;
    }

    /// <summary>
    /// Quantizes <paramref name="values"/> (finite) whose channel for element i is
    /// <c>(i / innerStride) % channels</c>: for a [K, N] MatMul weight per output column that is
    /// (channels N, stride 1); for a [M, C, kH, kW] Conv weight per output channel (M, C·kH·kW);
    /// per tensor, (1, length). <paramref name="bits"/> below 8 narrows the grid inside int8
    /// (7 bits: [-63, 63] symmetric, [-64, 63] asymmetric), for kernels whose 16-bit intermediate
    /// sums overflow with full-range weights.
    /// </summary>
    public static QuantizedWeight Quantize(ReadOnlySpan<float> values, int channels, long innerStride, bool symmetric, int bits = 8)
    {
        // Symmetric weights use [-127, 127] (at 8 bits): -128 would make the range lopsided around zero point 0.
        int high = (1 << (bits - 1)) - 1, lowest = -(1 << (bits - 1));
        var min = new float[channels];
        var max = new float[channels];
        // Runs of innerStride values share a channel, and the channel advances by one per run:
        // walking runs avoids a 64-bit division per element (the hot spot of quantizing a model).
        int c = 0;
        for (long start = 0; start < values.Length; start += innerStride)
        {
            int end = (int)Math.Min(start + innerStride, values.Length);
            float lo = min[c], hi = max[c];
            for (int i = (int)start; i < end; i++)
            {
                lo = Math.Min(lo, values[i]);
                hi = Math.Max(hi, values[i]);
            }
            (min[c], max[c]) = (lo, hi);
            if (++c == channels) c = 0;
        }

        var scales = new float[channels];
        var zeroPoints = new sbyte[channels];
        for (c = 0; c < channels; c++)
        {
            // min and max start at 0, so the range always contains 0 and 0 is exactly representable
            // (ONNX's DynamicQuantizeLinear adjusts its range the same way).
            if (symmetric)
            {
                scales[c] = Math.Max(Math.Max(-min[c], max[c]) / high, MinimumScale);
            }
            else
            {
                scales[c] = Math.Max((max[c] - min[c]) / (high - lowest), MinimumScale);
                zeroPoints[c] = (sbyte)Math.Clamp(lowest - MathF.Round(min[c] / scales[c], MidpointRounding.ToEven), lowest, high);
            }
        }

        int low = symmetric ? -high : lowest;
        var quantized = new sbyte[values.Length];
        c = 0;
        for (long start = 0; start < values.Length; start += innerStride)
        {
            int end = (int)Math.Min(start + innerStride, values.Length);
            float scale = scales[c], zeroPoint = zeroPoints[c];
            for (int i = (int)start; i < end; i++)
            {
                float q = MathF.Round(values[i] / scale, MidpointRounding.ToEven) + zeroPoint;
                quantized[i] = (sbyte)Math.Clamp(q, low, high);
            }
            if (++c == channels) c = 0;
        }
        return new QuantizedWeight(quantized, scales, zeroPoints);
    }
}
