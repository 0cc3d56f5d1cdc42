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
    long OriginalMacs,
    long OptimizedMacs,
    bool MacsComplete,
    PruningSummary? Pruning,
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
        string pruning = Pruning is null ? ""
            : Pruning.Mode == "Structured"
                ? $", pruned Structured ({100 * Pruning.Sparsity:F0}% of channels; MACs {Percent(OptimizedMacs, OriginalMacs)}, parameters {Percent(OptimizedParameters, OriginalParameters)} of original)"
                : $", pruned Magnitude ({100 * Pruning.Sparsity:F1}% of weights zero)";
        return $"{Path.GetFileName(Model)}: {Megabytes(OriginalBytes)} -> {Megabytes(OptimizedBytes)} ({Percent(OptimizedBytes, OriginalBytes)}){pruning}, {mode}{compression}, validated in ONNX Runtime";
    }

    private static string Percent(long part, long whole) => $"{100.0 * part / Math.Max(1, whole):F0}%";

    private static string Megabytes(long bytes) => $"{bytes / 1e6:F1} MB";
}
