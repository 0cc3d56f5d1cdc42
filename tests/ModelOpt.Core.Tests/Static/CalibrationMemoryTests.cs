using System.Diagnostics;
using ModelOpt.Core.Data;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Static;

/// <summary>
/// Calibration streams: statistics have a fixed size and each sample is released before the next
/// is read, so 200 samples need the memory of 10.
/// </summary>
/// <remarks>
/// What is measured, honestly: the live managed heap (<see cref="GC.GetTotalMemory(bool)"/> after
/// full collections and pending finalizers) at regular points between samples, minus its value just before the pass ran;
/// that is what calibration keeps across samples (histograms, the session's managed objects, and
/// anything a leak would accumulate), not the transient garbage of one sample. ONNX Runtime's
/// native memory is visible only in the process working set, printed for information: it is
/// the whole test process's, and the allocator keeps pages it once used. Bytes allocated in total
/// grow with the number of samples (every sample is read into new arrays) and are printed too.
/// </remarks>
[Collection(nameof(MemoryMeasurements))]
public sealed class CalibrationMemoryTests(ITestOutputHelper output)
{
    private const int Side = 64;

    [Fact]
    public void TwoHundredSamplesKeepNoMoreThanTen()
    {
        Measure(10);
        var ten = Measure(10);
        var twoHundred = Measure(200);

        double ratio = (double)twoHundred.PeakLiveGrowth / ten.PeakLiveGrowth;
        output.WriteLine($"10 samples:  live managed growth {ten.PeakLiveGrowth / 1024.0:F0} KiB, working set growth {ten.PeakWorkingSetGrowth / 1048576.0:F1} MiB, allocated {ten.Allocated / 1048576.0:F1} MiB");
        output.WriteLine($"200 samples: live managed growth {twoHundred.PeakLiveGrowth / 1024.0:F0} KiB, working set growth {twoHundred.PeakWorkingSetGrowth / 1048576.0:F1} MiB, allocated {twoHundred.Allocated / 1048576.0:F1} MiB");
        output.WriteLine($"peak live managed memory growth, 200 samples / 10 samples: {ratio:F3}");
        output.WriteLine($"peak working set of the whole process, 200 samples / 10 samples: {(double)twoHundred.PeakWorkingSet / ten.PeakWorkingSet:F3} ({twoHundred.PeakWorkingSet / 1048576.0:F0} MiB / {ten.PeakWorkingSet / 1048576.0:F0} MiB)");
        Assert.True(ratio <= 1.2, $"200 samples kept {ratio:F2}× the memory of 10");
    }

    private static Measurement Measure(int count)
    {
        var model = StaticTestModels.SmallCnn(side: Side);
        using var process = Process.GetCurrentProcess();
        long baseline = LiveBytes();
        process.Refresh();
        long baselineWorkingSet = process.WorkingSet64;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long peakLive = baseline, peakWorkingSet = baselineWorkingSet;
        int every = Math.Max(1, count / 10);

        void Probe()
        {
            peakLive = Math.Max(peakLive, LiveBytes());
            process.Refresh();
            peakWorkingSet = Math.Max(peakWorkingSet, process.WorkingSet64);
        }

        IEnumerable<Sample> Samples()
        {
            int index = 0;
            foreach (var sample in StaticTestModels.Samples(count, side: Side))
            {
                // Before the next sample is read, everything calibration keeps from earlier ones is live.
                if (index++ % every == 0) Probe();
                yield return sample;
            }
            Probe();
        }

        var pass = new StaticQuantizationPass(StaticQuantizationOptions.Default with { CalibrationMethod = CalibrationMethod.Entropy },
            SampleSet.FromSamples(Samples()), Calibrators.Cpu());
        Assert.True(pass.Run(model).Modified);
        return new Measurement(peakLive - baseline, peakWorkingSet - baselineWorkingSet, peakWorkingSet, GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore);
    }

    /// <summary>
    /// The live managed heap. Objects that only wait for their finalizer (ONNX Runtime values
    /// other tests left to the GC) are let go first, or their release during a measurement would
    /// hide what calibration keeps.
    /// </summary>
    private static long LiveBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private readonly record struct Measurement(long PeakLiveGrowth, long PeakWorkingSetGrowth, long PeakWorkingSet, long Allocated);
}
