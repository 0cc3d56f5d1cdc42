using System.Diagnostics;
using System.Globalization;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Benchmarks;

/// <summary>
/// Load+save of a real model (inline data) against copying its bytes: the copy is the floor any
/// reader/writer pays (read the file, write the file), so the ratio isolates our own overhead.
/// The two sides alternate run by run so that drift on the machine hits both alike.
/// </summary>
internal static class LoadSaveTimeBenchmark
{
    private const double Limit = 3.0;

    public static BenchmarkResult Run(string modelPath, string scratchDirectory, int runs, int warmUpRuns, TextWriter log)
    {
        string copyPath = Path.Combine(scratchDirectory, "copy.onnx");
        string savePath = Path.Combine(scratchDirectory, "saved.onnx");

        for (int i = 0; i < warmUpRuns; i++)
        {
            Copy(modelPath, copyPath);
            LoadSave(modelPath, savePath);
        }

        var copyTimes = new List<double>(runs);
        var loadSaveTimes = new List<double>(runs);
        for (int i = 0; i < runs; i++)
        {
            copyTimes.Add(Time(() => Copy(modelPath, copyPath)));
            loadSaveTimes.Add(Time(() => LoadSave(modelPath, savePath)));
        }

        double copy = Statistics.Median(copyTimes);
        double loadSave = Statistics.Median(loadSaveTimes);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  byte copy ms:  {string.Join(" ", copyTimes.Select(t => t.ToString("0.0", CultureInfo.InvariantCulture)))}"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  load+save ms:  {string.Join(" ", loadSaveTimes.Select(t => t.ToString("0.0", CultureInfo.InvariantCulture)))}"));

        File.Delete(copyPath);
        File.Delete(savePath);
        return BenchmarkResult.AtMost(
            $"ResNet18 load+save time (median of {runs})",
            string.Create(CultureInfo.InvariantCulture, $"{loadSave:0.0} ms"),
            string.Create(CultureInfo.InvariantCulture, $"{copy:0.0} ms (ReadAllBytes+WriteAllBytes)"),
            loadSave / copy,
            Limit);
    }

    private static void Copy(string source, string destination) => File.WriteAllBytes(destination, File.ReadAllBytes(source));

    private static void LoadSave(string source, string destination)
    {
        using var model = OnnxModelReader.Load(source);
        OnnxModelWriter.Save(model, destination);
    }

    // Garbage of the previous run is collected outside the timed region, so neither side pays for the other.
    private static double Time(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
