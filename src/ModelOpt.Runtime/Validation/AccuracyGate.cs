using System.Globalization;
using System.Text;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// Decides whether an optimized model is close enough to the original: every compared output
/// must meet every threshold that is switched on. A NaN metric (the models disagree on
/// non-finite values) fails every check it is part of.
/// </summary>
public static class AccuracyGate
{
    /// <summary>The metric name of the cosine check (the item metadata's name).</summary>
    public const string MinCosineSimilarity = nameof(AccuracyThresholds.MinCosineSimilarity);

    /// <summary>The metric name of the absolute-error check.</summary>
    public const string MaxAbsoluteError = nameof(AccuracyThresholds.MaxAbsoluteError);

    /// <summary>The metric name of the top-1 check.</summary>
    public const string MinTopOneAgreement = nameof(AccuracyThresholds.MinTopOneAgreement);

    /// <summary>
    /// The failed checks, output by output in result order, then cosine, absolute error, top-1;
    /// empty when the model passes. Cosine and absolute error are checked on the worst sample, so
    /// one badly wrong input fails the gate however good the others are; top-1 is the agreement
    /// over all samples' rows, checked on classification-shaped outputs only.
    /// </summary>
    public static IReadOnlyList<AccuracyViolation> Check(ComparisonResult result, AccuracyThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(thresholds);
        var violations = new List<AccuracyViolation>();
        foreach (var output in result.Outputs)
        {
            // Written as "not (meets)" so that NaN fails.
            if (thresholds.MinCosineSimilarity > 0 && !(output.WorstCosine >= thresholds.MinCosineSimilarity))
            {
                violations.Add(new(output.Output, MinCosineSimilarity, output.WorstCosine, thresholds.MinCosineSimilarity,
                    output.WorstCosineSample, output.WorstCosineSampleName));
            }
            if (thresholds.MaxAbsoluteError > 0 && !(output.MaxAbsoluteError <= thresholds.MaxAbsoluteError))
            {
                violations.Add(new(output.Output, MaxAbsoluteError, output.MaxAbsoluteError, thresholds.MaxAbsoluteError,
                    output.WorstErrorSample, output.WorstErrorSampleName));
            }
            if (thresholds.MinTopOneAgreement > 0 && output.TopOneAgreement is double topOne && !(topOne >= thresholds.MinTopOneAgreement))
            {
                var worst = WorstTopOne(output.Samples);
                violations.Add(new(output.Output, MinTopOneAgreement, topOne, thresholds.MinTopOneAgreement, worst?.Index, worst?.Name));
            }
        }
        return violations;
    }

    /// <summary>
    /// The MOPT0180 message: which model, on which inputs, each failed check with measured and
    /// required values, and what the user can do.
    /// </summary>
    /// <param name="modelPath">The original model's path.</param>
    /// <param name="result">The comparison the gate was checked on.</param>
    /// <param name="violations">The failed checks (non-empty).</param>
    /// <param name="cause">A sentence on the likely cause, placed before the advice (see <see cref="CalibrationCoverage.Explain"/>), or null.</param>
    public static string FormatMessage(string modelPath, ComparisonResult result, IReadOnlyList<AccuracyViolation> violations, string? cause = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(violations);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"the optimized model of '{modelPath}' fails the accuracy gate on {result.SampleCount} sample{(result.SampleCount == 1 ? "" : "s")} ({result.Source}): ");
        text.AppendJoin("; ", violations.Select(Describe));
        text.Append('.');
        if (cause is not null) text.Append(' ').Append(cause);
        text.Append(" Relax the threshold (e.g. MinCosineSimilarity; 0 switches a check off), exclude the sensitive nodes from optimization (ExcludeNodes/ExcludeOpTypes), or choose another Quantize mode.");
        return text.ToString();
    }

    /// <summary>The MOPT0180 exception for <see cref="FormatMessage"/>, filed against <paramref name="modelPath"/>.</summary>
    public static ModelOptException ToException(string modelPath, ComparisonResult result, IReadOnlyList<AccuracyViolation> violations, string? cause = null)
        => new(DiagnosticCode.AccuracyGateFailed, modelPath, FormatMessage(modelPath, result, violations, cause));

    private static string Describe(AccuracyViolation v)
    {
        string what = v.Metric switch
        {
            MinCosineSimilarity => "cosine similarity",
            MaxAbsoluteError => "max absolute error",
            MinTopOneAgreement => "top-1 agreement",
            _ => v.Metric,
        };
        string relation = v.Metric == MaxAbsoluteError ? "above the allowed" : "below the required";
        // Cosine and error are the worst sample's; top-1 is over all samples, with the sample that agrees least named.
        string where = v.Sample is not int index ? ""
            : v.Metric == MinTopOneAgreement ? string.Create(CultureInfo.InvariantCulture, $" (all samples; lowest on sample {index} '{v.SampleName}')")
            : string.Create(CultureInfo.InvariantCulture, $", worst sample {index} '{v.SampleName}'");
        return string.Create(CultureInfo.InvariantCulture,
            $"output '{v.Output}'{where}: {what} {Format(v.Measured)} is {relation} {v.Metric}={Format(v.Threshold)}");
    }

    /// <summary>The first sample with the lowest top-1 agreement, or null when no sample has one.</summary>
    private static SampleMetrics? WorstTopOne(IReadOnlyList<SampleMetrics> samples)
    {
        SampleMetrics? worst = null;
        foreach (var s in samples)
        {
            if (s.TopOneAgreement is double t && (worst is null || t < worst.TopOneAgreement)) worst = s;
        }
        return worst;
    }

    /// <summary>Enough digits that a near-miss (0.98996 vs 0.99) is visible, without noise.</summary>
    private static string Format(double value) => value.ToString("G7", CultureInfo.InvariantCulture);
}
