namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// Weights for QDQ nodes: int8 (on the full or the 7-bit grid) as <see cref="WeightQuantizer"/>
/// makes them, plus the bias in int32 with scale = input scale × weight scale of its channel,
/// which is what ONNX Runtime's fused kernels assume (QLinearConv adds the int32 bias to the int32 accumulator before requantizing;
/// the contrib QGemm documents C's scale as alpha/beta·a_scale·b_scale).
/// </summary>
internal static class StaticWeightQuantizer
{
    /// <summary>
    /// The largest |bias| in steps. Half of int32's range leaves the accumulator the other half:
    /// the bias is added to a sum of products that is itself int32.
    /// </summary>
    private const double MaxBiasSteps = 1 << 30;

    /// <summary>
    /// Quantizes <paramref name="values"/> (channel of element i = (i / innerStride) % channels)
    /// and, when given, <paramref name="bias"/> (bias element m belongs to channel m, or to the only
    /// channel when per-tensor). A channel whose bias would not fit in int32 at the natural scale
    /// (tiny or all-zero weights under a real bias) gets a larger weight scale until it fits; the
    /// channel's weights are then quantized on that coarser grid, which costs them nothing they
    /// had: they were at most a few steps of the old one.
    /// </summary>
    public static StaticWeight Quantize(float[] values, int channels, long innerStride, bool symmetric, int bits, float[]? bias, float biasScaleFactor)
    {
        var weight = WeightQuantizer.Quantize(values, channels, innerStride, symmetric, bits);
        if (bias is null) return new StaticWeight(weight, null, null);

        var scales = (float[])weight.Scales.Clone();
        var raised = new bool[channels];
        for (int m = 0; m < bias.Length; m++)
        {
            int c = channels == 1 ? 0 : m;
            double steps = Math.Abs(bias[m]) / ((double)biasScaleFactor * scales[c]);
            if (steps > MaxBiasSteps)
            {
                scales[c] = (float)(Math.Abs(bias[m]) / (biasScaleFactor * MaxBiasSteps)) * 1.0001f;
                raised[c] = true;
            }
        }
        if (raised.Any(r => r)) weight = Requantize(values, channels, innerStride, symmetric, bits, weight, scales, raised);

        var quantizedBias = new int[bias.Length];
        var biasScales = new float[bias.Length];
        for (int m = 0; m < bias.Length; m++)
        {
            int c = channels == 1 ? 0 : m;
            biasScales[m] = biasScaleFactor * weight.Scales[c];
            quantizedBias[m] = (int)Math.Clamp(Math.Round(bias[m] / (double)biasScales[m], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        }
        return new StaticWeight(weight, quantizedBias, biasScales);
    }

    /// <summary>Quantizes the <paramref name="raised"/> channels again with their new scales (zero points follow for asymmetric weights).</summary>
    private static QuantizedWeight Requantize(float[] values, int channels, long innerStride, bool symmetric, int bits, QuantizedWeight old,
        float[] scales, bool[] raised)
    {
        int high = (1 << (bits - 1)) - 1, lowest = -(1 << (bits - 1));
        var q = (sbyte[])old.Values.Clone();
        var zeroPoints = (sbyte[])old.ZeroPoints.Clone();
        if (!symmetric)
        {
            var min = new float[channels];
            for (int i = 0; i < values.Length; i++)
            {
                int c = (int)(i / innerStride % channels);
                min[c] = Math.Min(min[c], values[i]);
            }
            for (int c = 0; c < channels; c++)
            {
                if (raised[c]) zeroPoints[c] = (sbyte)Math.Clamp(lowest - Math.Round(min[c] / scales[c], MidpointRounding.ToEven), lowest, high);
            }
        }
        int low = symmetric ? -high : lowest;
        for (int i = 0; i < values.Length; i++)
        {
            int c = (int)(i / innerStride % channels);
            if (!raised[c]) continue;
            double v = Math.Round(values[i] / scales[c], MidpointRounding.ToEven) + zeroPoints[c];
            q[i] = (sbyte)Math.Clamp(v, low, high);
        }
        return new QuantizedWeight(q, scales, zeroPoints);
    }
}
