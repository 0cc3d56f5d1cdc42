using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModelOpt.Cli.Engine;

/// <summary>Writes an <see cref="OptimizationReport"/> as JSON (for machines) and Markdown (for people).</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Json(OptimizationReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static string Markdown(OptimizationReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine(c, $"# {Path.GetFileName(r.Model)}");
        s.AppendLine();
        s.AppendLine(r.SummaryLine());
        s.AppendLine();
        s.AppendLine("| | original | optimized |");
        s.AppendLine("|---|---:|---:|");
        s.AppendLine(c, $"| bytes | {r.OriginalBytes:N0} | {r.OptimizedBytes:N0} |");
        s.AppendLine(c, $"| parameters | {r.OriginalParameters:N0} | {r.OptimizedParameters:N0} |");
        s.AppendLine(c, $"| MACs{(r.MacsComplete ? "" : " (nodes of unknown shape not counted)")} | {r.OriginalMacs:N0} | {r.OptimizedMacs:N0} |");
        s.AppendLine();
        if (r.Pruning is { } p)
        {
            s.AppendLine(c, $"## Pruning: {p.Mode}, {100 * p.Sparsity:F2}% {(p.Mode == "Structured" ? "of channels removed" : "of weights zero")}");
            s.AppendLine();
            if (p.Mode == "Structured")
            {
                s.AppendLine("| layer | op | channels before | after | why kept |");
                s.AppendLine("|---|---|---:|---:|---|");
                foreach (var l in p.Layers) s.AppendLine(c, $"| {l.Node} | {l.OpType} | {l.ChannelsBefore} | {l.ChannelsAfter} | {l.Reason} |");
            }
            else
            {
                s.AppendLine("| layer | op | sparsity | why dense |");
                s.AppendLine("|---|---|---:|---|");
                foreach (var l in p.Layers) s.AppendLine(c, $"| {l.Node} | {l.OpType} | {100 * l.Sparsity:F2}% | {l.Reason} |");
            }
            foreach (string output in p.ZeroFilledOutputs) s.AppendLine(c, $"\nOutput '{output}' keeps its shape; its removed channels read as zero (PruneOutputChannels).");
            s.AppendLine();
        }
        s.AppendLine("## Nodes");
        s.AppendLine();
        s.AppendLine("| node | op | precision | why |");
        s.AppendLine("|---|---|---|---|");
        foreach (var n in r.Nodes) s.AppendLine(c, $"| {n.NodeName} | {n.OpType} | {n.Precision}{(n.Granularity is { } g ? $" ({g})" : "")} | {n.Reason} |");
        s.AppendLine();
        s.AppendLine("## Ops after optimization");
        s.AppendLine();
        foreach (var (op, count) in r.OptimizedOps) s.AppendLine(c, $"- {op}: {count}");
        s.AppendLine();
        s.AppendLine(c, $"Checked in ONNX Runtime: {string.Join(", ", r.ValidatedOutputs)}. Took {r.Seconds:F1} s.");
        return s.ToString();
    }
}
