using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelOpt.Core.Reporting;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Reports;

/// <summary>
/// The report of a whole project: one row per model, read back from the per-model JSON reports
/// (so models that were up to date in this build are included), written as HTML with a chart,
/// as Markdown and as JSON next to each other.
/// </summary>
public static class ProjectReport
{
    /// <summary>One model's line in the project report.</summary>
    public sealed record Row(string Model, string Report, long OriginalBytes, long OptimizedBytes, long OriginalMacs, long OptimizedMacs,
        string QuantizedWith, string? Pruning, double WorstCosine, bool GatePassed, bool GateOff, double? LatencyRatio);

    /// <summary>Reads the per-model reports and writes <paramref name="htmlPath"/> plus its .md and .json siblings.</summary>
    public static IReadOnlyList<Row> Write(string htmlPath, IReadOnlyList<string> modelReports)
    {
        var rows = modelReports.Select(Read).OrderBy(r => r.Model, StringComparer.Ordinal).ToArray();
        AtomicFile.WriteAllText(htmlPath, HtmlReportWriter.Write(Compose(rows)));
        AtomicFile.WriteAllText(Path.ChangeExtension(htmlPath, ".md"), Markdown(rows));
        AtomicFile.WriteAllText(Path.ChangeExtension(htmlPath, ".json"), ReportWriter.Json(rows));
        return rows;
    }

    private static Row Read(string path)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            var r = json.RootElement;
            var accuracy = r.GetProperty("accuracy");
            var thresholds = accuracy.GetProperty("thresholds");
            bool gateOff = thresholds.GetProperty("minCosineSimilarity").GetDouble() <= 0 && thresholds.GetProperty("maxAbsoluteError").GetDouble() <= 0
                && thresholds.GetProperty("minTopOneAgreement").GetDouble() <= 0;
            var pruning = r.GetProperty("pruning");
            var latency = r.GetProperty("latency");
            return new Row(
                r.GetProperty("model").GetString()!, Path.ChangeExtension(path, ".html"),
                r.GetProperty("originalBytes").GetInt64(), r.GetProperty("optimizedBytes").GetInt64(),
                r.GetProperty("originalMacs").GetInt64(), r.GetProperty("optimizedMacs").GetInt64(),
                r.GetProperty("quantizedWith").GetString()!,
                pruning.ValueKind == JsonValueKind.Null ? null : pruning.GetProperty("mode").GetString(),
                Number(accuracy.GetProperty("worstCosine")), accuracy.GetProperty("passed").GetBoolean(), gateOff,
                latency.ValueKind == JsonValueKind.Null ? null : Number(latency.GetProperty("ratio")));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            throw new ModelOptException(DiagnosticCode.FileNotReadable, path, $"the model report cannot be read for the project report ({e.Message}). Rebuild (dotnet build --no-incremental) to write it again.", e);
        }
    }

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble();

    private static HtmlReportDocument Compose(IReadOnlyList<Row> rows)
    {
        var c = CultureInfo.InvariantCulture;
        long before = rows.Sum(r => r.OriginalBytes), after = rows.Sum(r => r.OptimizedBytes);
        var page = new HtmlReportDocument("ModelOpt.Build: project report", string.Create(c, $"{rows.Count} model{(rows.Count == 1 ? "" : "s")}: {before / 1e6:0.0} MB -> {after / 1e6:0.0} MB"));
        page.AddCards(
            new SummaryCard("Models", rows.Count.ToString(c)),
            new SummaryCard("Size", string.Create(c, $"{after / 1e6:0.0} MB"), string.Create(c, $"{100.0 * after / Math.Max(1, before):0.0}% of {before / 1e6:0.0} MB")),
            new SummaryCard("Accuracy gate", $"{rows.Count(r => r.GatePassed)} of {rows.Count} passed", rows.Any(r => r.GateOff) ? $"{rows.Count(r => r.GateOff)} with the gate off" : null));
        page.Add(new BeforeAfterBarChart("Size per model", rows.Select(r => new BeforeAfterGroup(Path.GetFileName(r.Model), r.OriginalBytes / 1e6, r.OptimizedBytes / 1e6, "MB")).ToArray()));
        page.Add(new TableBlock(["model", "size", "MACs", "quantization", "pruning", "worst cosine", "gate", "latency", "report"],
            rows.Select(r => (IReadOnlyList<string>)[r.Model, ReportFormat.Percent(r.OptimizedBytes, r.OriginalBytes, 1), ReportFormat.Percent(r.OptimizedMacs, r.OriginalMacs, 1), r.QuantizedWith, r.Pruning ?? "—",
                r.WorstCosine.ToString("0.00000", c), r.GateOff ? "off" : r.GatePassed ? "passed" : "FAILED",
                r.LatencyRatio is { } l ? string.Create(c, $"x{l:0.00}") : "—", r.Report]).ToArray(),
            [false, true, true, false, false, true, false, true, false]));
        return page;
    }

    private static string Markdown(IReadOnlyList<Row> rows)
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("# ModelOpt.Build: project report");
        s.AppendLine();
        s.AppendLine("| model | size | MACs | quantization | pruning | worst cosine | gate | latency | report |");
        s.AppendLine("|---|---:|---:|---|---|---:|---|---:|---|");
        foreach (var r in rows)
        {
            s.AppendLine(c, $"| {r.Model} | {ReportFormat.Percent(r.OptimizedBytes, r.OriginalBytes, 1)} | {ReportFormat.Percent(r.OptimizedMacs, r.OriginalMacs, 1)} | {r.QuantizedWith} | {r.Pruning ?? "—"} | {r.WorstCosine:0.00000} | {(r.GateOff ? "off" : r.GatePassed ? "passed" : "FAILED")} | {(r.LatencyRatio is { } l ? l.ToString("0.00", c) : "—")} | {r.Report} |");
        }
        return s.ToString();
    }

}
