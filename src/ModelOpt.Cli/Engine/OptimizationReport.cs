using ModelOpt.Cli.Options;
using ModelOpt.Core.Quantization;

namespace ModelOpt.Cli.Engine;

/// <summary>What one optimization did, for the per-model report files and the build's summary line.</summary>
public sealed record OptimizationReport(
    string Model,
    string Output,
    OptimizationOptions Options,
    long OriginalBytes,
    long OptimizedBytes,
    long EmbeddedBytes,
    long OriginalParameters,
    long OptimizedParameters,
    IReadOnlyList<KeyValuePair<string, int>> OriginalOps,
    IReadOnlyList<KeyValuePair<string, int>> OptimizedOps,
    IReadOnlyList<NodeQuantization> Nodes,
    IReadOnlyList<string> ValidatedOutputs,
    double Seconds)
{
    /// <summary>The one line the build prints for this model.</summary>
    public string SummaryLine()
    {
        int quantized = Nodes.Count(n => n.Precision != NodePrecision.Float);
        string verb = Options.Quantize == QuantizeMode.Float16 ? "converted" : "quantized";
        string mode = Options.Quantize == QuantizeMode.None ? "not quantized" : $"{Options.Quantize} ({quantized} of {Nodes.Count} nodes {verb})";
        string compression = Options.ResourceCompression == ResourceCompression.Brotli ? $", {Megabytes(EmbeddedBytes)} embedded (Brotli)" : "";
        return $"{Path.GetFileName(Model)}: {Megabytes(OriginalBytes)} -> {Megabytes(OptimizedBytes)} ({100.0 * OptimizedBytes / Math.Max(1, OriginalBytes):F0}%), {mode}{compression}, validated in ONNX Runtime";
    }

    private static string Megabytes(long bytes) => $"{bytes / 1e6:F1} MB";
}
