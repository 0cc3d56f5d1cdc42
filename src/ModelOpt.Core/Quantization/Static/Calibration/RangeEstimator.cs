namespace ModelOpt.Core.Quantization.Static.Calibration;

/// <summary>
/// Turns the statistics of one activation into the range [min, max] its quantization grid
/// covers, by the chosen <see cref="CalibrationMethod"/>. The range always contains 0, so that 0
/// (padding, a Relu's cut-off) is exactly representable, and never exceeds what was seen.
/// </summary>
internal static class RangeEstimator
{
    /// <summary>Floor of Q, relative to P, where P has mass and Q has none (the folded outliers), so the divergence stays finite.</summary>
    private const double SmoothingEpsilon = 1e-4;

    /// <summary>The range of <paramref name="statistics"/>; (0, 0) when no finite value was seen.</summary>
    /// <param name="statistics">What calibration collected.</param>
    /// <param name="method">The estimation method.</param>
    /// <param name="percentile">For <see cref="CalibrationMethod.Percentile"/>: the percentage kept per tail.</param>
    /// <param name="levels">For <see cref="CalibrationMethod.Entropy"/> on a one-sided tensor: the grid steps that will cover it (256 for an asymmetric 8-bit range; 128 otherwise).</param>
    public static ActivationRange Estimate(ActivationHistogram statistics, CalibrationMethod method, double percentile, int levels)
    {
        if (statistics.Count == 0) return new ActivationRange(0f, 0f);
        float min = Math.Min(statistics.Min, 0f), max = Math.Max(statistics.Max, 0f);
        if (method == CalibrationMethod.MinMax || statistics.Radius == 0f) return new ActivationRange(min, max);
        return method switch
        {
            CalibrationMethod.Percentile => Percentile(statistics, percentile, min, max),
            CalibrationMethod.Entropy => Entropy(statistics, levels, min, max),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };
    }

    /// <summary>
    /// Each tail keeps <paramref name="percentile"/> percent of the values: the upper end is the
    /// right edge of the bin where the count from below first exceeds p% of all values, the lower
    /// end likewise from above. A one-sided tensor (all ≥ 0 or all ≤ 0) clips only its one tail.
    /// </summary>
    private static ActivationRange Percentile(ActivationHistogram statistics, double percentile, float min, float max)
    {
        var counts = statistics.Counts;
        double total = statistics.Count;
        double outside = total * (100.0 - percentile) / 100.0;
        double width = 2.0 * statistics.Radius / ActivationHistogram.Bins;

        float upper = max, lower = min;
        if (max > 0f)
        {
            double above = 0;
            int bin = counts.Length - 1;
            // Walk down while the values above the bin's left edge stay within the clipped share.
            while (bin > 0 && above + counts[bin] <= outside) above += counts[bin--];
            upper = (float)Math.Min(max, -statistics.Radius + (bin + 1) * width);
        }
        if (min < 0f)
        {
            double below = 0;
            int bin = 0;
            while (bin < counts.Length - 1 && below + counts[bin] <= outside) below += counts[bin++];
            lower = (float)Math.Max(min, -statistics.Radius + bin * width);
        }
        return new ActivationRange(Math.Min(lower, 0f), Math.Max(upper, 0f));
    }

    /// <summary>
    /// The threshold T that minimizes KL(P‖Q) (S. Migacz, "8-bit Inference with TensorRT", GTC
    /// 2017): for each candidate number of |x| bins i, P is the histogram of |x| cut at i with
    /// everything beyond added to its last bin, and Q is the same bins merged into
    /// <paramref name="levels"/> groups and spread back evenly over each group's non-empty bins.
    /// The smallest divergence gives T = (i + ½)·bin width. A tensor with values of both signs
    /// gets [-T, T] (a symmetric grid of 128 steps per side, as TensorRT assumes), cut to what was
    /// seen; a one-sided tensor gets [0, T] (or [-T, 0]) with all <paramref name="levels"/> steps.
    /// </summary>
    private static ActivationRange Entropy(ActivationHistogram statistics, int levels, float min, float max)
    {
        bool oneSided = min >= 0f || max <= 0f;
        int quantizedBins = oneSided ? levels : 128;
        var magnitudes = AbsoluteHistogram(statistics.Counts);
        int used = magnitudes.Length;
        while (used > 0 && magnitudes[used - 1] == 0) used--;
        double width = (double)statistics.Radius / magnitudes.Length;
        if (used <= quantizedBins)
        {
            // Fewer occupied bins than grid steps: nothing to clip.
            return new ActivationRange(min, max);
        }

        double best = double.PositiveInfinity;
        int bestBins = used;
        var p = new double[used];
        var q = new double[used];
        // beyond[i] = values in bins i and up: the outliers a cut at i folds into its last bin.
        var beyond = new double[magnitudes.Length + 1];
        for (int k = magnitudes.Length - 1; k >= 0; k--) beyond[k] = beyond[k + 1] + magnitudes[k];
        for (int i = quantizedBins; i <= used; i++)
        {
            double divergence = Divergence(magnitudes, i, quantizedBins, beyond[i], p, q);
            if (divergence < best)
            {
                best = divergence;
                bestBins = i;
            }
        }
        float threshold = (float)((bestBins + 0.5) * width);
        return new ActivationRange(Math.Max(min, -threshold), Math.Min(max, threshold));
    }

    /// <summary>Bins of |x| from the signed histogram: bin k covers [k·w, (k+1)·w).</summary>
    private static long[] AbsoluteHistogram(ReadOnlySpan<long> signed)
    {
        int half = signed.Length / 2;
        var result = new long[half];
        for (int k = 0; k < half; k++) result[k] = signed[half + k] + signed[half - 1 - k];
        return result;
    }

    /// <summary>KL(P‖Q) for the first <paramref name="bins"/> bins quantized into <paramref name="levels"/> groups.</summary>
    private static double Divergence(long[] histogram, int bins, int levels, double outliers, double[] p, double[] q)
    {
        for (int k = 0; k < bins; k++) p[k] = histogram[k];
        p[bins - 1] += outliers;

        // Group g takes bins [g·bins/levels, (g+1)·bins/levels); its total is spread evenly over
        // the group's bins where P is non-zero (an empty bin stays empty in Q as well).
        for (int g = 0; g < levels; g++)
        {
            int start = (int)((long)g * bins / levels);
            int end = (int)((long)(g + 1) * bins / levels);
            double sum = 0;
            int nonEmpty = 0;
            for (int k = start; k < end; k++)
            {
                sum += histogram[k];
                if (p[k] > 0) nonEmpty++;
            }
            double share = nonEmpty == 0 ? 0 : sum / nonEmpty;
            for (int k = start; k < end; k++) q[k] = p[k] > 0 ? share : 0;
        }
        return KullbackLeibler(p.AsSpan(0, bins), q.AsSpan(0, bins));
    }

    /// <summary>
    /// KL divergence of the normalized distributions. Where P has mass and Q none (the outliers
    /// folded into P's last bin), Q gets a small floor instead of making the divergence infinite.
    /// </summary>
    private static double KullbackLeibler(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        double pSum = 0, qSum = 0;
        for (int k = 0; k < p.Length; k++)
        {
            pSum += p[k];
            qSum += q[k];
        }
        if (pSum == 0) return 0;
        if (qSum == 0) return double.PositiveInfinity;
        double divergence = 0;
        for (int k = 0; k < p.Length; k++)
        {
            if (p[k] == 0) continue;
            double pk = p[k] / pSum;
            double qk = Math.Max(q[k] / qSum, SmoothingEpsilon * pk);
            divergence += pk * Math.Log(pk / qk);
        }
        return divergence;
    }
}
