namespace ModelOpt.Benchmarks;

/// <summary>
/// A generated multi-gigabyte model with external data is loaded, summarized and saved with
/// external data to another folder, in a child process whose peak resident memory must stay
/// within a fixed budget above its baseline: the weights must be streamed or mapped, never
/// copied into memory. The saved data is then compared with the original outside the child.
/// </summary>
internal static class LargeModelBenchmark
{
    private const long Budget = Units.GibiByte;

    public static IReadOnlyList<BenchmarkResult> Run(double sizeGiB, string scratchDirectory, TextWriter log)
    {
        int tensorCount = Math.Max(1, (int)Math.Round(sizeGiB * Units.GibiByte / LargeModelGenerator.TensorBytes));
        string folder = Path.Combine(scratchDirectory, "large");
        // The original and the saved copy, plus room to spare: fail up front rather than on a full disk.
        long needed = 2 * tensorCount * LargeModelGenerator.TensorBytes + Units.GibiByte;
        long free = new DriveInfo(Path.GetFullPath(scratchDirectory)).AvailableFreeSpace;
        if (free < needed)
        {
            throw new IOException($"the large-model benchmark needs {Units.GiB(needed)} free in '{scratchDirectory}', which has {Units.GiB(free)}. Use --temp-dir or a smaller --large-gb.");
        }
        try
        {
            var generated = LargeModelGenerator.Create(Path.Combine(folder, "original"), tensorCount);
            string size = Units.GiB(generated.DataBytes);
            log.WriteLine($"  generated {generated.TensorCount} tensors of {Units.MiB(LargeModelGenerator.TensorBytes)}: {size} in {generated.DataPath}");

            string savedPath = Path.Combine(folder, "saved", "large.onnx");
            var measurement = ChildProcess.Run(MeasureCommands.Large, generated.ModelPath, savedPath);
            log.WriteLine("  child: " + measurement.Describe());

            var (identical, total, firstDifference) = ExternalDataComparer.Compare(generated.ModelPath, savedPath);
            if (firstDifference is not null) log.WriteLine($"  first difference: {firstDifference}");

            return
            [
                BenchmarkResult.AtMost(
                    $"{size} external-data model load+inspect+save peak memory above baseline",
                    Units.MiB(measurement.AddedBytes),
                    $"{Units.MiB(Budget)} (budget)",
                    (double)measurement.AddedBytes / Budget,
                    1.0),
                BenchmarkResult.Info(
                    $"{size} external-data model peak memory above baseline / model size",
                    Units.MiB(measurement.AddedBytes),
                    $"{size} (model data)",
                    (double)measurement.AddedBytes / generated.DataBytes),
                BenchmarkResult.Check(
                    $"{size} model: external bytes seen by ModelSummary",
                    Units.GiB(measurement.SummaryExternalBytes),
                    $"= {size}",
                    measurement.SummaryExternalBytes == generated.DataBytes),
                BenchmarkResult.Check(
                    $"{size} model: saved data equals the original",
                    $"{identical}/{total} tensors identical",
                    "all identical",
                    identical == total && total == generated.TensorCount),
            ];
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
