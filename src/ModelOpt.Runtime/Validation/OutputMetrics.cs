namespace ModelOpt.Runtime.Validation;

/// <summary>
/// How closely one output of the optimized model follows the original's: measured sample by
/// sample, so that one badly wrong input shows as the worst sample instead of being averaged away
/// in a cosine over all samples at once. The accuracy gate checks the worst values.
/// </summary>
/// <param name="Output">The output's name (the same in both models).</param>
/// <param name="WorstCosine">The lowest per-sample cosine similarity (NaN when any sample's is NaN).</param>
/// <param name="MeanCosine">The mean of the per-sample cosine similarities.</param>
/// <param name="WorstCosineSample">The index in <paramref name="Samples"/> of the sample with <paramref name="WorstCosine"/> (the first one on a tie).</param>
/// <param name="MaxAbsoluteError">The largest per-sample max |original - optimized|, i.e. the largest of any element.</param>
/// <param name="MeanMaxAbsoluteError">The mean of the per-sample max |original - optimized|.</param>
/// <param name="WorstErrorSample">The index in <paramref name="Samples"/> of the sample with <paramref name="MaxAbsoluteError"/> (the first one on a tie).</param>
/// <param name="MeanAbsoluteError">The mean |original - optimized| over every element of every sample.</param>
/// <param name="TopOneAgreement">
/// For classification-shaped outputs (float, shape [N, C] with C &gt; 1 once trailing 1s are dropped):
/// the fraction of rows, over all samples, whose argmax is the same in both models; otherwise null.
/// </param>
/// <param name="Elements">How many elements were compared (over all samples).</param>
/// <param name="Samples">The metrics of each sample, in run order (one per sample compared; the gate compares at most 64).</param>
public sealed record OutputMetrics(
    string Output,
    double WorstCosine,
    double MeanCosine,
    int WorstCosineSample,
    double MaxAbsoluteError,
    double MeanMaxAbsoluteError,
    int WorstErrorSample,
    double MeanAbsoluteError,
    double? TopOneAgreement,
    long Elements,
    IReadOnlyList<SampleMetrics> Samples)
{
    /// <summary>The name of the sample with the worst cosine.</summary>
    public string WorstCosineSampleName => Samples[WorstCosineSample].Name;

    /// <summary>The name of the sample with the largest absolute error.</summary>
    public string WorstErrorSampleName => Samples[WorstErrorSample].Name;

    /// <summary>
    /// Folds per-sample metrics into an output's metrics. NaN counts as the worst cosine, so a
    /// sample on which the models disagree on non-finite values is the one named.
    /// </summary>
    /// <param name="output">The output's name.</param>
    /// <param name="samples">One entry per sample (non-empty), in run order.</param>
    /// <param name="meanAbsoluteError">The mean |original - optimized| over all elements.</param>
    /// <param name="topOneAgreement">Top-1 agreement over all rows, or null.</param>
    /// <param name="elements">Elements compared over all samples.</param>
    public static OutputMetrics FromSamples(string output, IReadOnlyList<SampleMetrics> samples, double meanAbsoluteError, double? topOneAgreement, long elements)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfZero(samples.Count);
        int worstCosine = 0, worstError = 0;
        double sumCosine = 0, sumMaxError = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            sumCosine += s.Cosine;
            sumMaxError += s.MaxAbsoluteError;
            double worst = samples[worstCosine].Cosine;
            // Strictly lower (or the first NaN) moves the worst, so ties keep the first sample.
            if (!double.IsNaN(worst) && (double.IsNaN(s.Cosine) || s.Cosine < worst)) worstCosine = i;
            if (s.MaxAbsoluteError > samples[worstError].MaxAbsoluteError) worstError = i;
        }
        return new OutputMetrics(output, samples[worstCosine].Cosine, sumCosine / samples.Count, worstCosine,
            samples[worstError].MaxAbsoluteError, sumMaxError / samples.Count, worstError, meanAbsoluteError, topOneAgreement, elements, samples);
    }
}
