namespace ModelOpt.Runtime.Validation;

/// <summary>The outcome of <see cref="ModelComparison.Compare"/>: metrics per output, on which inputs.</summary>
/// <param name="Outputs">One entry per compared output, in the original model's output order.</param>
/// <param name="SampleCount">How many samples both models ran on.</param>
/// <param name="Source">Where the samples came from (<see cref="Core.Data.SampleSet.Description"/>).</param>
/// <param name="Notes">Outputs left out and why (e.g. a STRING output), for the report; empty when every output was compared.</param>
public sealed record ComparisonResult(IReadOnlyList<OutputMetrics> Outputs, int SampleCount, string Source, IReadOnlyList<string> Notes);
