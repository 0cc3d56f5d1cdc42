namespace ModelOpt.Benchmarks;

/// <summary>
/// Peak resident memory of load+save of a real model with inline data, above the resident size
/// right before the load, in units of the model's file size. The parsed model must hold the
/// weights about once; a second full copy (e.g. serializing to a byte array first) shows as 2.
/// </summary>
internal static class ResNetPeakMemoryBenchmark
{
    private const double Limit = 2.0;

    public static BenchmarkResult Run(string modelPath, string scratchDirectory, TextWriter log)
    {
        long modelBytes = new FileInfo(modelPath).Length;
        string savePath = Path.Combine(scratchDirectory, "peak-saved.onnx");
        var measurement = ChildProcess.Run(MeasureCommands.Peak, modelPath, savePath);
        File.Delete(savePath);

        log.WriteLine("  child: " + measurement.Describe());
        return BenchmarkResult.AtMost(
            "ResNet18 load+save peak memory above baseline",
            Units.MiB(measurement.AddedBytes),
            $"{Units.MiB(modelBytes)} (model file)",
            (double)measurement.AddedBytes / modelBytes,
            Limit);
    }
}
