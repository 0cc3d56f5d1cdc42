namespace ModelOpt.Runtime.Validation;

/// <summary>One failed check of the accuracy gate.</summary>
/// <param name="Output">The output that failed.</param>
/// <param name="Metric">The threshold it failed, by its metadata name: <c>MinCosineSimilarity</c>, <c>MaxAbsoluteError</c> or <c>MinTopOneAgreement</c>.</param>
/// <param name="Measured">The measured value (the worst sample's for cosine and absolute error, over all samples for top-1).</param>
/// <param name="Threshold">The required bound.</param>
/// <param name="Sample">The index of the worst sample for this metric (for top-1, the sample with the lowest agreement), or null when not known.</param>
/// <param name="SampleName">That sample's name, or null.</param>
public sealed record AccuracyViolation(string Output, string Metric, double Measured, double Threshold, int? Sample = null, string? SampleName = null);
