using System.Globalization;
using System.IO.Compression;
using ModelOpt.Core.Analysis;
using ModelOpt.Core.Folding;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.TestUtilities;

namespace ModelOpt.Benchmarks;

/// <summary>
/// Pruning on ResNet18: structured pruning's cost (MACs, parameters) and ONNX Runtime CPU latency
/// against the original, and magnitude pruning's Brotli-compressed size against the compressed
/// dense model, all measured in this run.
/// </summary>
internal static class PruningBenchmark
{
    private static readonly Dictionary<string, long[]> InputShape = new() { ["Input247"] = [1, 3, 224, 224] };

    public static IEnumerable<BenchmarkResult> Run(string resNet18, int runs, TextWriter log)
    {
        var results = new List<BenchmarkResult>();
        byte[] original = File.ReadAllBytes(resNet18);
        var (_, before) = Transform(resNet18, _ => { });

        // Structured 0.5, as the build does it (BatchNormalization folded first). The CNTK model's
        // output is the last stage's 512 pooled features; by default that group stays whole, with
        // PruneOutputChannels it is pruned too and the output zero-filled back to 512.
        var (keptOutput, keptCost) = Transform(resNet18, Structured(pruneOutputChannels: false));
        var (prunedOutput, prunedCost) = Transform(resNet18, Structured(pruneOutputChannels: true));
        foreach (var (label, after) in new[] { ("PruneOutputChannels=true", prunedCost), ("output kept", keptCost) })
        {
            bool target = label.StartsWith("PruneOutputChannels", StringComparison.Ordinal);
            double macs = (double)after.Macs / before.Macs, parameters = (double)after.Parameters / before.Parameters;
            results.Add(target
                ? BenchmarkResult.AtMost($"ResNet18 Structured 0.5 MACs ({label})", Giga(after.Macs), Giga(before.Macs) + " (original)", macs, 0.30)
                : BenchmarkResult.Info($"ResNet18 Structured 0.5 MACs ({label})", Giga(after.Macs), Giga(before.Macs) + " (original)", macs));
            results.Add(target
                ? BenchmarkResult.AtMost($"ResNet18 Structured 0.5 parameters ({label})", Mega(after.Parameters), Mega(before.Parameters) + " (original)", parameters, 0.30)
                : BenchmarkResult.Info($"ResNet18 Structured 0.5 parameters ({label})", Mega(after.Parameters), Mega(before.Parameters) + " (original)", parameters));
        }
        var image = new FloatInput("Input247", BenchmarkImages.Create(99), [1, 3, 224, 224]);
        var times = OrtLatencyComparison.MedianMilliseconds([original, prunedOutput, keptOutput], image, Math.Max(runs, 20), log, "ResNet18 original / Structured 0.5 / Structured 0.5 output kept");
        results.Add(BenchmarkResult.AtMost("ResNet18 Structured 0.5 ORT CPU latency", QuantizationBenchmark.Ms(times[1]), QuantizationBenchmark.Ms(times[0]) + " (original)", times[1] / times[0], 0.45));
        results.Add(BenchmarkResult.Info("ResNet18 Structured 0.5 ORT CPU latency (output kept)", QuantizationBenchmark.Ms(times[2]), QuantizationBenchmark.Ms(times[0]) + " (original)", times[2] / times[0]));

        // Magnitude 0.5 per layer: zeros do not run faster, they compress.
        var (dense, _) = Transform(resNet18, _ => { });
        var magnitude = new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 0.5 });
        double sparsity = 0;
        var (sparse, _) = Transform(resNet18, model => sparsity = magnitude.Run(model).Report.Sparsity);
        results.Add(BenchmarkResult.Check("ResNet18 Magnitude 0.5 measured sparsity", sparsity.ToString("0.0000", CultureInfo.InvariantCulture), "0.5 ± 0.005", Math.Abs(sparsity - 0.5) <= 0.005));
        long denseBrotli = BrotliLength(dense), sparseBrotli = BrotliLength(sparse);
        log.WriteLine($"  Brotli (quality 9, window 22): dense {Units.MiB(denseBrotli)}, Magnitude 0.5 {Units.MiB(sparseBrotli)}");
        results.Add(BenchmarkResult.AtMost("ResNet18 Magnitude 0.5, Brotli-compressed size", Units.MiB(sparseBrotli), Units.MiB(denseBrotli) + " (dense, Brotli)", (double)sparseBrotli / denseBrotli, 0.60));
        return results;
    }

    private static Action<OnnxModel> Structured(bool pruneOutputChannels)
        => model => new StructuredPruningPass(new StructuredPruningOptions { Sparsity = 0.5, PruneOutputChannels = pruneOutputChannels }).Run(model);

    /// <summary>Loads the model, folds BatchNormalization as the build does, applies <paramref name="prune"/>; returns the bytes and the cost.</summary>
    private static (byte[] Bytes, ModelCostReport Cost) Transform(string path, Action<OnnxModel> prune)
    {
        using var model = OnnxModelReader.Load(path);
        new BatchNormFoldingPass().Run(model);
        prune(model);
        return (OnnxModelWriter.ToBytes(model), ModelCost.Measure(model, InputShape));
    }

    // The settings the build uses for ResourceCompression="Brotli".
    private static long BrotliLength(byte[] bytes)
    {
        using var encoder = new BrotliEncoder(9, 22);
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(bytes.Length)];
        encoder.Compress(bytes, output, out _, out int written, isFinalBlock: true);
        return written;
    }

    private static string Giga(long count) => (count / 1e9).ToString("0.000", CultureInfo.InvariantCulture) + " G";

    private static string Mega(long count) => (count / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M";
}
