namespace ModelOpt.Runtime.Validation;

/// <summary>How closely one output of the optimized model follows the original's, over all validation samples.</summary>
/// <param name="Output">The output's name (the same in both models).</param>
/// <param name="Cosine">Cosine similarity of all elements of all samples taken as one vector, in double (1 when both are all zero).</param>
/// <param name="MaxAbsoluteError">The largest |original - optimized| of any element.</param>
/// <param name="MeanAbsoluteError">The mean |original - optimized|.</param>
/// <param name="TopOneAgreement">
/// For classification-shaped outputs (float, shape [N, C] with C &gt; 1 once trailing 1s are dropped):
/// the fraction of rows whose argmax is the same in both models; otherwise null.
/// </param>
/// <param name="Elements">How many elements were compared (over all samples).</param>
public sealed record OutputMetrics(string Output, double Cosine, double MaxAbsoluteError, double MeanAbsoluteError, double? TopOneAgreement, long Elements);
