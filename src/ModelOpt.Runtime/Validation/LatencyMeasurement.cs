using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// Median latency of several models (typically original and optimized) on one sample, in ONNX
/// Runtime on the job's execution target. The models are timed interleaved, round-robin, so that
/// a slow phase of the machine (another process, frequency scaling, a GC) hits all of them alike
/// and the ratio stays meaningful even where the absolute numbers are noisy.
/// </summary>
public static class LatencyMeasurement
{
    /// <summary>Untimed runs per model before timing: the first runs allocate and pick kernels.</summary>
    public const int DefaultWarmupRuns = 3;

    /// <summary>Timed runs per model.</summary>
    public const int DefaultRuns = 20;

    /// <summary>
    /// The cap on intra-op threads. Every session gets the same fixed count (ONNX Runtime's
    /// default would follow the machine's cores), at most this many: more threads mostly add
    /// scheduling noise on shared build machines for the small batches validation runs.
    /// </summary>
    public const int MaxIntraOpThreads = 4;

    /// <summary>The intra-op thread count used unless told otherwise: the processor count, capped at <see cref="MaxIntraOpThreads"/>.</summary>
    public static int DefaultIntraOpThreads => Math.Clamp(Environment.ProcessorCount, 1, MaxIntraOpThreads);

    /// <summary>Measures every model of <paramref name="models"/> on <paramref name="sample"/>.</summary>
    /// <param name="sessions">The job's session factory (latency sessions are shared between measurements with the same thread count).</param>
    /// <param name="models">The serialized models; they must take the sample's inputs.</param>
    /// <param name="sample">One input sample (e.g. the first validation sample).</param>
    /// <param name="warmupRuns">Untimed runs per model.</param>
    /// <param name="runs">Timed runs per model.</param>
    /// <param name="intraOpThreads">Intra-op threads per session; null for <see cref="DefaultIntraOpThreads"/>.</param>
    /// <param name="modelPath">The model file, for messages.</param>
    public static LatencyResult Measure(SessionFactory sessions, IReadOnlyList<byte[]> models, Sample sample, int warmupRuns = DefaultWarmupRuns,
        int runs = DefaultRuns, int? intraOpThreads = null, string? modelPath = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentOutOfRangeException.ThrowIfZero(models.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupRuns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        int threads = intraOpThreads ?? DefaultIntraOpThreads;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);

        var timed = new List<ValidationSession>();
        var inputs = new List<List<OrtValue>>();
        try
        {
            for (int m = 0; m < models.Count; m++)
            {
                timed.Add(ValidationSession.Open(sessions, models[m], modelPath, m == 0 ? "original" : "optimized", threads));
                inputs.Add(timed[m].Bind(sample));
            }

            for (int r = 0; r < warmupRuns; r++)
            {
                for (int m = 0; m < timed.Count; m++) RunOnce(timed[m], inputs[m], sample.Name);
            }

            var times = timed.Select(_ => new double[runs]).ToArray();
            for (int r = 0; r < runs; r++)
            {
                // The starting model rotates, so none is always the one right after a switch.
                for (int k = 0; k < timed.Count; k++)
                {
                    int m = (r + k) % timed.Count;
                    long start = Stopwatch.GetTimestamp();
                    RunOnce(timed[m], inputs[m], sample.Name);
                    times[m][r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }
            return new LatencyResult([.. times.Select(Median)], runs, warmupRuns, threads);
        }
        finally
        {
            foreach (var list in inputs)
            {
                foreach (var value in list) value.Dispose();
            }
            foreach (var session in timed) session.Dispose();
        }
    }

    /// <summary>The median: the middle value, or the mean of the two middle values of an even count.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfZero(values.Count);
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static void RunOnce(ValidationSession session, List<OrtValue> inputs, string sampleName)
    {
        using var outputs = session.Run(inputs, session.OutputNames, sampleName);
    }
}
