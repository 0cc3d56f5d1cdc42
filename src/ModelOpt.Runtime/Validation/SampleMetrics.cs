namespace ModelOpt.Runtime.Validation;

/// <summary>How closely one output of the optimized model follows the original's on one validation sample.</summary>
/// <param name="Index">The sample's position in the run (0-based, the order the samples were read in).</param>
/// <param name="Name">The sample's name (its file or folder, <see cref="Core.Data.Sample.Name"/>).</param>
/// <param name="Cosine">Cosine similarity of this sample's elements, in double (1 when both are all zero).</param>
/// <param name="MaxAbsoluteError">The largest |original - optimized| on this sample.</param>
/// <param name="MeanAbsoluteError">The mean |original - optimized| on this sample.</param>
/// <param name="TopOneAgreement">The fraction of this sample's rows whose argmax agrees, for classification-shaped outputs; otherwise null.</param>
public sealed record SampleMetrics(int Index, string Name, double Cosine, double MaxAbsoluteError, double MeanAbsoluteError, double? TopOneAgreement);
