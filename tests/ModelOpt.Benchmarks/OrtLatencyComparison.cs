using ModelOpt.TestUtilities;

namespace ModelOpt.Benchmarks;

/// <summary>
/// ONNX Runtime (CPU) latency of several models on one input, measured the way the build
/// measures it (<see cref="OrtLatency"/>: every model in the same round-robin loop, so load from
/// the rest of the machine slows all of them alike; medians compared), with the benchmarks'
/// fixed warm-up and thread count.
/// </summary>
internal static class OrtLatencyComparison
{
    private const int LatencyWarmUp = 3;

    // One intra-op thread: on a shared 2-core machine, a second thread mostly measures the
    // neighbours' load; the ratio between models is what matters, and one thread keeps it steady.
    private const int IntraOpThreads = 1;

    /// <summary>Median milliseconds per run of each model, printed with <paramref name="label"/>.</summary>
    public static double[] MedianMilliseconds(IReadOnlyList<byte[]> models, FloatInput input, int runs, TextWriter log, string label)
    {
        double[] medians = OrtLatency.MedianMilliseconds(models, input, LatencyWarmUp, runs, IntraOpThreads);
        log.WriteLine($"  {label} median ms over {runs} runs: {string.Join(" / ", medians.Select(QuantizationBenchmark.Ms))}");
        return medians;
    }
}
