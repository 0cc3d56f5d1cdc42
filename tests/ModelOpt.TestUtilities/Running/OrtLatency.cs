using System.Runtime.InteropServices;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.TestUtilities;

/// <summary>
/// ONNX Runtime (CPU) latency of several models on one input, through the engine's own
/// <see cref="LatencyMeasurement"/> (every model in the same round-robin loop, medians), for
/// tests that print it next to an accuracy check and for the benchmarks.
/// </summary>
public static class OrtLatency
{
    /// <summary>Median milliseconds per run of each model, after <paramref name="warmUp"/> unmeasured runs.</summary>
    public static double[] MedianMilliseconds(IReadOnlyList<byte[]> models, FloatInput input, int warmUp, int runs, int? intraOpThreads = null)
    {
        using var sessions = new SessionFactory();
        return [.. LatencyMeasurement.Measure(sessions, models, ToSample(input), warmUp, runs, intraOpThreads).MedianMilliseconds];
    }

    /// <summary><paramref name="input"/> as the engine's one-tensor sample.</summary>
    public static Sample ToSample(FloatInput input)
        => new(input.Name, [new SampleTensor(input.Name, ElementType.Float, input.Shape, MemoryMarshal.AsBytes(input.Data.AsSpan()).ToArray(), input.Name)]);
}
