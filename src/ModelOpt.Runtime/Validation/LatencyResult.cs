namespace ModelOpt.Runtime.Validation;

/// <summary>The outcome of <see cref="LatencyMeasurement.Measure"/>.</summary>
/// <param name="MedianMilliseconds">Median time of one run per model, in the order the models were given.</param>
/// <param name="Runs">Timed runs per model.</param>
/// <param name="WarmupRuns">Untimed runs per model before timing.</param>
/// <param name="IntraOpThreads">ONNX Runtime's intra-op thread count in every session.</param>
public sealed record LatencyResult(IReadOnlyList<double> MedianMilliseconds, int Runs, int WarmupRuns, int IntraOpThreads)
{
    /// <summary>How many times as long <paramref name="model"/> takes as <paramref name="baseline"/> (below 1: faster).</summary>
    public double Ratio(int model, int baseline = 0) => MedianMilliseconds[model] / MedianMilliseconds[baseline];
}
