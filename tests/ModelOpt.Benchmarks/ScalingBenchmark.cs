using System.Diagnostics;
using System.Globalization;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Serialization;
using ModelOpt.TestUtilities;

namespace ModelOpt.Benchmarks;

/// <summary>
/// The whole optimize pipeline (gate off) on straight chains of growing length: a Relu chain
/// (nothing to quantize) and a MatMul+Add chain (every MatMul quantized). Each size runs in a
/// child process that reports the pipeline's time and its peak resident memory above a
/// warmed-up baseline; time and memory per node are compared with the smallest size of the
/// same run, so a step that is quadratic in the node count shows as a ratio that grows with it.
/// </summary>
internal static class ScalingBenchmark
{
    /// <summary>Time per node at a size against the smallest may be at most this: linear within noise and fixed costs.</summary>
    private const double PerNodeLimit = 2.0;

    public static IReadOnlyList<BenchmarkResult> Run(IReadOnlyList<int> sizes, IReadOnlyList<ChainShape> shapes, string quantize, string scratchDirectory, TextWriter log)
    {
        var results = new List<BenchmarkResult>();
        foreach (var shape in shapes)
        {
            (int Nodes, PeakMeasurement Measured)? baseline = null;
            foreach (int size in sizes.Order())
            {
                string folder = Path.Combine(scratchDirectory, $"chain-{shape}-{size}");
                Directory.CreateDirectory(folder);
                try
                {
                    string model = Path.Combine(folder, "chain.onnx");
                    int nodes;
                    using (var chain = ChainModels.Build(shape, size))
                    {
                        nodes = chain.Graph.Nodes.Count;
                        OnnxModelWriter.Save(chain, model);
                    }
                    var measured = ChildProcess.Run(log, MeasureCommands.Optimize, model, Path.Combine(folder, "out.onnx"), quantize);
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {shape} chain, {nodes} nodes, --quantize {quantize}: {measured.Seconds:0.00} s ({measured.CpuSeconds:0.00} s CPU), peak above baseline {Units.MiB(measured.AddedBytes)} ({measured.Describe()})"));
                    string name = string.Create(CultureInfo.InvariantCulture, $"{shape} chain {nodes} nodes, {quantize}");
                    if (baseline is not { } first)
                    {
                        baseline = (nodes, measured);
                        results.Add(BenchmarkResult.Info($"{name}: time", Seconds(measured.Seconds), "(baseline)", 1));
                        results.Add(BenchmarkResult.Info($"{name}: peak memory above baseline", Units.MiB(measured.AddedBytes), "(baseline)", 1));
                        continue;
                    }
                    double scale = (double)nodes / first.Nodes;
                    results.Add(BenchmarkResult.AtMost(
                        $"{name}: time per node against {first.Nodes} nodes",
                        Seconds(measured.Seconds),
                        Seconds(first.Measured.Seconds),
                        measured.Seconds / scale / first.Measured.Seconds,
                        PerNodeLimit));
                    results.Add(BenchmarkResult.Info(
                        $"{name}: peak memory per node against {first.Nodes} nodes",
                        Units.MiB(measured.AddedBytes),
                        Units.MiB(first.Measured.AddedBytes),
                        measured.AddedBytes / scale / Math.Max(1, first.Measured.AddedBytes)));
                }
                finally
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }
        return results;
    }

    /// <summary>
    /// Called in the child: optimizes a small chain first (JIT, ONNX Runtime's native library),
    /// then measures one optimize job of <paramref name="model"/> with the accuracy gate off.
    /// </summary>
    public static PeakMeasurement MeasureOptimize(string model, string destination, string quantize)
    {
        string scratch = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        string warmUp = Path.Combine(scratch, "warmup.onnx");
        using (var small = ChainModels.Build(ChainShape.MatMulAdd, 8)) OnnxModelWriter.Save(small, warmUp);
        Optimize(warmUp, Path.Combine(scratch, "warmup-out.onnx"), quantize, TextWriter.Null);

        ProcessMemory.Settle();
        bool reset = ProcessMemory.TryResetPeak();
        long baseline = ProcessMemory.CurrentResidentBytes();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        using (var stages = new StageTimer(Console.Out)) Optimize(model, destination, quantize, stages);
        double seconds = stopwatch.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        return new PeakMeasurement(baseline, ProcessMemory.PeakResidentBytes(), reset, 0) { Seconds = seconds, CpuSeconds = cpu };
    }

    private static void Optimize(string model, string destination, string quantize, TextWriter progress)
    {
        var options = OptimizationOptions.Parse(
            [
                KeyValuePair.Create("quantize", quantize),
                KeyValuePair.Create("min-cosine-similarity", "0"),
            ],
            null,
            model);
        new OptimizationEngine(TextWriter.Null, progress).Run(new OptimizationJob(model, destination, null, null, null, options));
    }

    private static string Seconds(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.00} s");
}
