using ModelOpt.Core.Data;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Validation;

/// <summary>Correctness of the measurement only; speed itself is for benchmarks, never unit tests.</summary>
public sealed class LatencyMeasurementTests
{
    [Fact]
    public void MedianIsTheMiddleValue()
    {
        Assert.Equal(2, LatencyMeasurement.Median([3, 1, 2]));
        Assert.Equal(2.5, LatencyMeasurement.Median([4, 1, 3, 2]));
        Assert.Equal(7, LatencyMeasurement.Median([7]));
    }

    [Fact]
    public void EveryModelGetsAMedianAndTheRatioIsTheirQuotient()
    {
        byte[] model = ValidationModels.Linear();
        byte[] other = ValidationModels.Linear(biasShift: 1);
        var sample = SampleSet.Generate(ValidationModels.LinearModel(), null, count: 1).Samples().Single();
        using var sessions = new SessionFactory();

        var result = LatencyMeasurement.Measure(sessions, [model, other, model], sample, warmupRuns: 1, runs: 5, intraOpThreads: 1);

        Assert.Equal(3, result.MedianMilliseconds.Count);
        Assert.All(result.MedianMilliseconds, ms => Assert.InRange(ms, 1e-6, 1000));
        Assert.Equal(5, result.Runs);
        Assert.Equal(1, result.WarmupRuns);
        Assert.Equal(1, result.IntraOpThreads);
        Assert.Equal(result.MedianMilliseconds[1] / result.MedianMilliseconds[0], result.Ratio(1));
        Assert.Equal(result.MedianMilliseconds[2] / result.MedianMilliseconds[1], result.Ratio(2, 1));
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 4), LatencyMeasurement.DefaultIntraOpThreads);
        // The model given twice is timed on one shared session.
        Assert.Equal(2, sessions.SessionsCreated);
        Assert.Equal(LatencyMeasurement.DefaultIntraOpThreads, LatencyMeasurement.Measure(sessions, [model], sample, 0, 1).IntraOpThreads);
    }
}
