using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Reports;

/// <summary>ONNX Runtime CPU latency of the original and the optimized model, measured in the same run.</summary>
/// <param name="OriginalMilliseconds">Median per run of the original.</param>
/// <param name="OptimizedMilliseconds">Median per run of the optimized model.</param>
/// <param name="Ratio">Optimized over original.</param>
/// <param name="Runs">Timed runs of each, interleaved, after warm-up.</param>
/// <param name="IntraOpThreads">ONNX Runtime's intra-op threads per session.</param>
public sealed record LatencySummary(double OriginalMilliseconds, double OptimizedMilliseconds, double Ratio, int Runs, int IntraOpThreads)
{
    /// <summary>The summary of a two-model measurement (original first).</summary>
    public static LatencySummary From(LatencyResult result)
        => new(result.MedianMilliseconds[0], result.MedianMilliseconds[1], result.Ratio(1), result.Runs, result.IntraOpThreads);
}
