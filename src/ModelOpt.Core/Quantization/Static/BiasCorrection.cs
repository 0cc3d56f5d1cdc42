namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization Through Weight
/// Equalization and Bias Correction", §4.2): rounding the weights shifts every output channel's
/// expected value by (W_q − W)·E[x], which the next layers read as a bias they were never trained
/// with; depthwise convolutions, with only 9 weights per channel, are hit hardest. The shift is
/// computed from the mean of each input channel over the calibration data and subtracted from
/// the float bias before it is quantized.
/// </summary>
internal static class BiasCorrection
{
    /// <summary>
    /// The bias that cancels the expected error of the quantized weights:
    /// <c>b'[m] = b[m] − Σ_{c,k} (dequantized − W)[m, c, k] · mean[input channel of c]</c>.
    /// </summary>
    /// <param name="weights">Float W laid out <c>[M, C/groups, k…]</c> (Conv) or <c>[M, C]</c> (a Gemm with transB).</param>
    /// <param name="dequantized">The quantized weights read back, same layout.</param>
    /// <param name="outputChannels">M.</param>
    /// <param name="groups">The Conv's group count (1 for Gemm).</param>
    /// <param name="inputMeans">E[x] per input channel (length C).</param>
    /// <param name="bias">The float bias b (length M), or null for none (all zeros).</param>
    public static float[] Correct(float[] weights, float[] dequantized, int outputChannels, int groups, double[] inputMeans, float[]? bias)
    {
        int perOutput = weights.Length / outputChannels;
        int channelsPerGroup = inputMeans.Length / groups;
        int kernel = perOutput / channelsPerGroup;
        int outputsPerGroup = outputChannels / groups;
        var corrected = new float[outputChannels];
        for (int m = 0; m < outputChannels; m++)
        {
            int firstInput = m / outputsPerGroup * channelsPerGroup;
            double shift = 0;
            for (int c = 0; c < channelsPerGroup; c++)
            {
                double error = 0;
                int start = (m * perOutput) + (c * kernel);
                for (int k = 0; k < kernel; k++) error += (double)dequantized[start + k] - weights[start + k];
                shift += error * inputMeans[firstInput + c];
            }
            corrected[m] = (float)((bias?[m] ?? 0f) - shift);
        }
        return corrected;
    }

    /// <summary>Whether <paramref name="inputMeans"/> fits weights of this shape (C = channels per group × groups).</summary>
    public static bool Fits(int weightLength, int outputChannels, int groups, double[] inputMeans)
    {
        if (outputChannels <= 0 || groups <= 0 || weightLength % outputChannels != 0 || outputChannels % groups != 0) return false;
        if (inputMeans.Length % groups != 0) return false;
        int channelsPerGroup = inputMeans.Length / groups;
        return channelsPerGroup > 0 && weightLength / outputChannels % channelsPerGroup == 0;
    }
}
