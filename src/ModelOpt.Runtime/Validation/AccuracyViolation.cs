namespace ModelOpt.Runtime.Validation;

/// <summary>One failed check of the accuracy gate.</summary>
/// <param name="Output">The output that failed.</param>
/// <param name="Metric">The threshold it failed, by its metadata name: <c>MinCosineSimilarity</c>, <c>MaxAbsoluteError</c> or <c>MinTopOneAgreement</c>.</param>
/// <param name="Measured">The measured value.</param>
/// <param name="Threshold">The required bound.</param>
public sealed record AccuracyViolation(string Output, string Metric, double Measured, double Threshold);
