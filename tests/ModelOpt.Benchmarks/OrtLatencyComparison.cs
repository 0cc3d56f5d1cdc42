using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Benchmarks;

/// <summary>
/// ONNX Runtime (CPU) latency of several models on one input. Every model of a comparison runs
/// in the same loop, one after the other, so load from the rest of the machine slows all of
/// them alike; medians are compared.
/// </summary>
internal static class OrtLatencyComparison
{
    private const int LatencyWarmUp = 3;

    public static double[] MedianMilliseconds(IReadOnlyList<byte[]> models, FloatInput input, int runs, TextWriter log, string label)
    {
        // One intra-op thread: on a shared 2-core machine, a second thread mostly measures the
        // neighbours' load; the ratio between models is what matters, and one thread keeps it steady.
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, IntraOpNumThreads = 1 };
        var sessions = models.Select(m => new InferenceSession(m, options)).ToList();
        try
        {
            using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape);
            using var runOptions = new RunOptions();
            var times = sessions.Select(_ => new List<double>()).ToArray();
            for (int run = 0; run < LatencyWarmUp + runs; run++)
            {
                for (int i = 0; i < sessions.Count; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    using (sessions[i].Run(runOptions, [input.Name], [value], sessions[i].OutputNames))
                    {
                    }
                    if (run >= LatencyWarmUp) times[i].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            double[] medians = times.Select(Statistics.Median).ToArray();
            log.WriteLine($"  {label} median ms over {runs} runs: {string.Join(" / ", medians.Select(QuantizationBenchmark.Ms))}");
            return medians;
        }
        finally
        {
            foreach (var session in sessions) session.Dispose();
        }
    }
}
