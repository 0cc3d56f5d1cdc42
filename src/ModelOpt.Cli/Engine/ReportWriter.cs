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
        s.AppendLine();
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
