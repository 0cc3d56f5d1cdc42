using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Core.Tests.Infrastructure;

/// <summary>
/// Rough ONNX Runtime (CPU) latency of several models on one input, for printing next to an
/// accuracy test. Runs are interleaved model by model, so load from other tests slows all models
/// alike, and the median of each is returned. Real measurements belong in the benchmarks.
/// </summary>
internal static class OrtLatency
{
    /// <summary>Median milliseconds per run of each model, after <paramref name="warmUp"/> unmeasured runs.</summary>
    public static double[] MedianMilliseconds(IReadOnlyList<byte[]> models, FloatInput input, int warmUp, int runs)
    {
        var sessions = new List<InferenceSession>();
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape);
        using var runOptions = new RunOptions();
        try
        {
            foreach (var model in models) sessions.Add(new InferenceSession(model, options));
            var times = sessions.Select(_ => new List<double>()).ToArray();
            for (int run = 0; run < warmUp + runs; run++)
            {
                for (int i = 0; i < sessions.Count; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    using (sessions[i].Run(runOptions, [input.Name], [value], sessions[i].OutputNames))
                    {
                    }
                    if (run >= warmUp) times[i].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
            return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
        }
        finally
        {
            foreach (var session in sessions) session.Dispose();
        }
    }
}
