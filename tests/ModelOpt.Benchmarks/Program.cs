using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace ModelOpt.Benchmarks;

/// <summary>
/// Entry point: runs the selected benchmarks, prints one table of ratios against baselines
/// measured in the same run, and exits non-zero when a target is missed.
/// </summary>
internal static class Program
{
    private const int Success = 0;
    private const int TargetMissed = 1;
    private const int UsageError = 2;
    private const int Failed = 3;

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] is MeasureCommands.Peak or MeasureCommands.Large or MeasureCommands.Calibration or MeasureCommands.Optimize or MeasureCommands.WriteChain)
        {
            return MeasureCommands.Run(args[0], args[1..], Console.Out);
        }
        if (args.Length > 0 && args[0] == SessionCreationProbe.Command) return SessionCreationProbe.Run(args[1..], Console.Out);

        var options = BenchmarkOptions.Parse(args, out string? error);
        if (options is null)
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(BenchmarkOptions.Usage);
            return UsageError;
        }
        if (options.Parts == BenchmarkParts.None)
        {
            Console.Error.WriteLine("nothing to run: --only/--skip left no benchmark part.");
            return UsageError;
        }
        try
        {
            return Run(options, Console.Out);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            // A benchmark that cannot run (no disk space, a failed child) is a failure, not a crash with a stack dump.
            Console.Error.WriteLine($"benchmark failed: {e.Message}");
            return Failed;
        }
    }

    private static int Run(BenchmarkOptions options, TextWriter output)
    {
        string resNet18 = ResNet18Path();
        if ((options.Parts & (BenchmarkParts.ResNetTime | BenchmarkParts.ResNetMemory | BenchmarkParts.Quantization | BenchmarkParts.Pruning)) != 0 && !File.Exists(resNet18))
        {
            throw new InvalidOperationException($"ResNet18 is not at '{resNet18}'; restore the project (the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 holds it).");
        }
        string scratch = Path.Combine(Path.GetFullPath(options.TempDirectory), "modelopt-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        var results = new List<BenchmarkResult>();
        var started = Stopwatch.StartNew();
        try
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ModelOpt.Benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}"));
            if (options.Parts.HasFlag(BenchmarkParts.ResNetTime))
            {
                output.WriteLine($"ResNet18 load+save time ({options.WarmUpRuns} warm-up + {options.Runs} runs of each side, interleaved):");
                results.Add(LoadSaveTimeBenchmark.Run(resNet18, scratch, options.Runs, options.WarmUpRuns, output));
            }
            bool memory = ProcessMemory.IsAvailable;
            if (!memory && (options.Parts & (BenchmarkParts.ResNetMemory | BenchmarkParts.Large | BenchmarkParts.Scaling)) != 0)
            {
                output.WriteLine("Memory benchmarks skipped: they read /proc/self/status, which only Linux has.");
            }
            if (memory && options.Parts.HasFlag(BenchmarkParts.ResNetMemory))
            {
                output.WriteLine("ResNet18 load+save peak memory (child process):");
                results.Add(ResNetPeakMemoryBenchmark.Run(resNet18, scratch, output));
            }
            if (memory && options.Parts.HasFlag(BenchmarkParts.Large))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Large external-data model ({options.LargeGiB} GiB requested, child process):"));
                results.AddRange(LargeModelBenchmark.Run(options.LargeGiB, scratch, output));
            }
            if (options.Parts.HasFlag(BenchmarkParts.Quantization))
            {
                output.WriteLine("Quantization: ONNX Runtime CPU latency of quantized models against fp32, and quantizing time:");
                results.AddRange(QuantizationBenchmark.Run(resNet18, scratch, options.Runs, options.WarmUpRuns, output));
            }
            if (options.Parts.HasFlag(BenchmarkParts.Pruning))
            {
                output.WriteLine("Pruning: ResNet18 cost and ONNX Runtime CPU latency against the original, compressed size against the dense model:");
                results.AddRange(PruningBenchmark.Run(resNet18, options.Runs, output));
            }
            if (memory && options.Parts.HasFlag(BenchmarkParts.Scaling))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Scaling: the optimize pipeline (gate off) on chains of {string.Join(", ", options.ScalingNodes)} nodes, child process per size:"));
                results.AddRange(ScalingBenchmark.Run(options.ScalingNodes, options.ScalingShapes, options.ScalingQuantize, scratch, output));
            }
            if (options.Parts.HasFlag(BenchmarkParts.NoOpBuild))
            {
                output.WriteLine($"No-op build of a consumer with two models, with and without ModelOpt.Build ({options.WarmUpRuns} warm-up + {options.Runs} runs of each, interleaved):");
                results.AddRange(NoOpBuildBenchmark.Run(Metadata("RepositoryRoot"), scratch, options.Runs, options.WarmUpRuns, output));
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        output.WriteLine();
        ResultTable.Write(results, output);
        output.WriteLine();
        bool passed = results.All(r => r.Passed != false);
        string verdict = passed ? "All targets met" : "TARGET MISSED";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{verdict} ({started.Elapsed.TotalSeconds:0} s)."));
        return passed ? Success : TargetMissed;
    }

    private static string ResNet18Path() => Metadata("ResNet18Path");

    private static string Metadata(string key)
        => typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException($"The build did not record {key}.");
}
