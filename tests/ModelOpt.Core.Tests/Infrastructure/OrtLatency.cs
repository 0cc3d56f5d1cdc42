using System.Runtime.InteropServices;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Core.Tests.Infrastructure;

/// <summary>
/// Rough ONNX Runtime (CPU) latency of several models on one input, for printing next to an
/// accuracy test, through the engine's own <see cref="LatencyMeasurement"/> (interleaved runs,
/// medians). Real measurements belong in the benchmarks.
/// </summary>
internal static class OrtLatency
{
    /// <summary>Median milliseconds per run of each model, after <paramref name="warmUp"/> unmeasured runs.</summary>
    public static double[] MedianMilliseconds(IReadOnlyList<byte[]> models, FloatInput input, int warmUp, int runs)
    {
        var sample = new CalibrationSample(input.Name, [new CalibrationTensor(input.Name, ElementType.Float, input.Shape, MemoryMarshal.AsBytes(input.Data.AsSpan()).ToArray(), input.Name)]);
        using var sessions = new SessionFactory();
        return [.. LatencyMeasurement.Measure(sessions, models, sample, warmUp, runs).MedianMilliseconds];
    }
}
