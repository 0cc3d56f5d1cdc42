using System.Globalization;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Reporting;
using ModelOpt.Engine.Options;

namespace ModelOpt.Engine.Reports;

/// <summary>
/// Composes the page for people from an <see cref="OptimizationReport"/>: summary cards, before/after
/// charts (size, parameters, MACs, latency), the gate's metrics, Auto's trials, per-node error,
/// pruning and precision per node. The page is self-contained (inline CSS and SVG, no script).
/// </summary>
public static class HtmlReport
{
    // A chart row per node; beyond this the page gets long and the JSON report has the rest.
    private const int MaxNodeRows = 400;

    public static string Write(OptimizationReport r) => HtmlReportWriter.Write(Compose(r));

    public static HtmlReportDocument Compose(OptimizationReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var page = new HtmlReportDocument($"{Path.GetFileName(r.Model)}: ModelOpt.Build report", r.SummaryLine());
        var cards = new List<SummaryCard>
        {
            new("Size", ReportFormat.Megabytes(r.OptimizedBytes), $"{ReportFormat.Percent(r.OptimizedBytes, r.OriginalBytes, 1)} of {ReportFormat.Megabytes(r.OriginalBytes)}"),
            new("Quantization", r.QuantizedWith.ToString(), r.Options.Quantize == QuantizeMode.Auto ? $"chosen by Auto from {r.Trials.Count} trials" : null),
            new("Accuracy gate", r.Accuracy.Thresholds.IsOff ? "off" : r.Accuracy.Passed ? "passed" : "failed", string.Create(c, $"worst cosine {r.Accuracy.WorstCosine:0.00000}{(r.Accuracy.WorstOutput is { } worst ? $" (sample {worst.WorstCosineSample} '{worst.WorstCosineSampleName}')" : "")}")),
            new("Latency", r.Latency is null ? "not measured" : string.Create(c, $"x{r.Latency.Ratio:0.00}"),
                r.Latency is null ? "LatencyRuns=0" : string.Create(c, $"{r.Latency.OptimizedMilliseconds:0.0} ms vs {r.Latency.OriginalMilliseconds:0.0} ms")),
        };
        if (r.Execution is { } ran) cards.Add(new("Ran on", ran.Device, ran.Provider));
        if (r.Pruning is { } pruned)
        {
            cards.Add(new("Sparsity", string.Create(c, $"{100 * pruned.Sparsity:0.0}%"),
                pruned.Mode == "Structured" ? "of the channels removed (Structured)" : "of the pruned weights zero (Magnitude)"));
        }
        page.AddCards([.. cards]);

        var groups = new List<BeforeAfterGroup>
        {
            new("Size", r.OriginalBytes / 1e6, r.OptimizedBytes / 1e6, "MB"),
            new("Parameters", r.OriginalParameters / 1e6, r.OptimizedParameters / 1e6, "M"),
            new("MACs", r.OriginalMacs / 1e9, r.OptimizedMacs / 1e9, "G"),
        };
        if (r.Latency is { } latency) groups.Add(new("Latency (median)", latency.OriginalMilliseconds, latency.OptimizedMilliseconds, "ms"));
        page.Add(new BeforeAfterBarChart("Before and after", groups, caption: r.MacsComplete ? null : "MACs omit nodes whose shapes are unknown; set InputShapes to count them."));

        AddAccuracy(page, r);
        if (r.Trials.Count > 0) AddTrials(page, r);
        AddNodeErrors(page, r);
        if (r.Pruning is { } pruning) AddPruning(page, pruning);
        AddPrecision(page, r.Nodes);
        AddExecution(page, r);
        page.AddParagraph(string.Create(c, $"Original: {r.Model}. Output: {r.Output}. Took {r.Seconds:0.0} s."));
        return page;
    }

    private static void AddAccuracy(HtmlReportDocument page, OptimizationReport r)
    {
        var check = r.Accuracy;
        var t = check.Thresholds;
        page.AddHeading("Accuracy against the original");
        page.AddParagraph(string.Create(CultureInfo.InvariantCulture,
            $"{check.Comparison.SampleCount} samples ({check.Comparison.Source}). Thresholds: MinCosineSimilarity {Threshold(t.MinCosineSimilarity)}, MaxAbsoluteError {Threshold(t.MaxAbsoluteError)}, MinTopOneAgreement {Threshold(t.MinTopOneAgreement)}."));
        page.Add(new TableBlock(
            ["output", "worst cosine", "mean cosine", "worst sample", "max abs error (worst)", "mean of max abs error", "mean abs error", "top-1 agreement", "elements"],
            check.Comparison.Outputs.Select(o => (IReadOnlyList<string>)[o.Output, Number(o.WorstCosine, "0.000000"), Number(o.MeanCosine, "0.000000"),
                string.Create(CultureInfo.InvariantCulture, $"{o.WorstCosineSample} '{o.WorstCosineSampleName}'"),
                Number(o.MaxAbsoluteError, "G5"), Number(o.MeanMaxAbsoluteError, "G5"), Number(o.MeanAbsoluteError, "G5"),
                o.TopOneAgreement is { } top ? Number(top, "0.0000") : "—", o.Elements.ToString("N0", CultureInfo.InvariantCulture)]).ToArray(),
            [false, true, true, false, true, true, true, true, true],
            caption: "The gate checks the worst sample's cosine and error; the mean shows whether one input or all of them lose accuracy."));
        if (check.Violations.Count > 0)
        {
            page.AddParagraph("Failed: " + string.Join("; ", check.Violations.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Output} {v.Metric} {v.Measured:G6} (required {v.Threshold:G6}){ReportWriter.SampleOf(v)}"))));
        }
        // One bar per sample, so an outlier shows as one short bar among long ones.
        double gate = t.MinCosineSimilarity;
        foreach (var o in check.Comparison.Outputs)
        {
            double lowest = o.Samples.Where(x => !double.IsNaN(x.Cosine)).Select(x => x.Cosine).DefaultIfEmpty(1).Min();
            page.Add(new BarChart(string.Create(CultureInfo.InvariantCulture, $"Cosine per sample: {o.Output}"), o.Samples.Select(x => new BarChartItem(
                    $"{x.Index} {x.Name}", x.Cosine,
                    double.IsNaN(x.Cosine) || (gate > 0 && x.Cosine < gate) ? ChartStatus.Fail : x.Index == o.WorstCosineSample ? ChartStatus.Warn : ChartStatus.Ok)).ToArray(),
                threshold: gate > 0 ? gate : null, thresholdLabel: "MinCosineSimilarity", maximum: 1, valueFormat: "0.0000",
                minimum: Math.Max(0, Math.Floor((Math.Min(lowest, gate > 0 ? gate : 1) - 0.01) * 100) / 100),
                caption: string.Create(CultureInfo.InvariantCulture,
                    $"Worst: sample {o.WorstCosineSample} '{o.WorstCosineSampleName}', cosine {Number(o.WorstCosine, "0.000000")}; mean {Number(o.MeanCosine, "0.000000")} over {o.Samples.Count} samples. Red: below the gate; amber: the worst sample.")));
        }
    }

    private static void AddTrials(HtmlReportDocument page, OptimizationReport r)
    {
        page.AddHeading("Auto: every trial");
        var plotted = r.Trials.Where(t => t.Bytes > 0 && !double.IsNaN(t.WorstCosine)).ToArray();
        page.Add(new ScatterChart("Trials: size against worst cosine", "size (MB)", "worst output cosine",
            plotted.Select(t => new ScatterPoint(t.Configuration, t.Bytes / 1e6, t.WorstCosine, t.Passed)).ToArray(),
            r.Accuracy.Thresholds.MinCosineSimilarity > 0 ? r.Accuracy.Thresholds.MinCosineSimilarity : null, "MinCosineSimilarity"));
        page.Add(new TableBlock(
            ["configuration", "size", "worst cosine", "passed", "latency", "seconds", "note"],
            r.Trials.Select(t => (IReadOnlyList<string>)[
                (t.Chosen ? "✔ " : "") + t.Configuration,
                t.Bytes > 0 ? ReportFormat.Megabytes(t.Bytes) : "—",
                Number(t.WorstCosine, "0.00000"),
                t.Bytes > 0 ? (t.Passed ? "yes" : "no") : "—",
                t.LatencyRatio is { } ratio ? string.Create(CultureInfo.InvariantCulture, $"x{ratio:0.00}") : "—",
                t.Seconds.ToString("0.0", CultureInfo.InvariantCulture),
                t.Note ?? (t.KeptInFloat.Count > 0 ? "kept in float: " + string.Join(", ", t.KeptInFloat) : "")]).ToArray(),
            [false, true, true, false, true, true, false]));
    }

    private static void AddNodeErrors(HtmlReportDocument page, OptimizationReport r)
    {
        page.AddHeading("Error per node");
        if (r.NodeErrors.Count == 0)
        {
            page.AddParagraph("No intermediate value has the same name and shape in both models, so none was compared (pruning changes shapes).");
            return;
        }
        double gate = r.Accuracy.Thresholds.MinCosineSimilarity;
        var rows = r.NodeErrors.Take(MaxNodeRows).ToArray();
        double lowest = rows.Where(e => !double.IsNaN(e.Cosine)).Select(e => e.Cosine).DefaultIfEmpty(1).Min();
        page.Add(new BarChart("Cosine of each node's output against the original", rows.Select(e => new BarChartItem(
                $"{e.Node} ({e.OpType})", e.Cosine,
                double.IsNaN(e.Cosine) || (gate > 0 && e.Cosine < gate) ? ChartStatus.Fail : e.LocalErrorIncrease > 0.001 ? ChartStatus.Warn : ChartStatus.Ok)).ToArray(),
            threshold: gate > 0 ? gate : null, thresholdLabel: "MinCosineSimilarity", maximum: 1, valueFormat: "0.0000",
            minimum: Math.Max(0, Math.Floor((Math.Min(lowest, gate > 0 ? gate : 1) - 0.01) * 100) / 100),
            caption: "Amber: the node itself adds more than 0.001 of error (1 - cosine) over its inputs; red: below the gate."));
        if (r.NodeErrors.Count > MaxNodeRows) page.AddParagraph($"First {MaxNodeRows} of {r.NodeErrors.Count} nodes shown; the JSON report has all.");
    }

    private static void AddPruning(HtmlReportDocument page, PruningSummary pruning)
    {
        page.AddHeading($"Pruning: {pruning.Mode}");
        bool structured = pruning.Mode == "Structured";
        page.Add(new BarChart(structured ? "Channels removed per layer" : "Weight sparsity per layer",
            pruning.Layers.Select(l => new BarChartItem(l.Node, l.Sparsity, l.Reason is null ? ChartStatus.Ok : ChartStatus.Warn)).ToArray(),
            maximum: 1, valueFormat: "0.00%"));
        foreach (string group in pruning.UnprunableGroups) page.AddParagraph("Kept whole: " + group);
        foreach (string output in pruning.ZeroFilledOutputs) page.AddParagraph($"Output '{output}' keeps its shape; its removed channels read as zero (PruneOutputChannels).");
    }

    private static void AddPrecision(HtmlReportDocument page, IReadOnlyList<NodeQuantization> nodes)
    {
        page.AddHeading("Precision per node");
        page.Add(new TableBlock(["node", "op", "precision", "why"],
            nodes.Select(n => (IReadOnlyList<string>)[n.NodeName, n.OpType, n.Precision + (n.Granularity is { } g ? $" ({g})" : ""), n.Reason ?? ""]).ToArray()));
    }

    /// <summary>Where each kind of step ran, and with TargetExecutionProvider Cuda the nodes that would leave the GPU.</summary>
    private static void AddExecution(HtmlReportDocument page, OptimizationReport r)
    {
        if (r.Execution is { } e)
        {
            page.AddHeading("Where it ran");
            page.AddParagraph($"ExecutionProvider={e.Requested}: {e.Device} ({e.Provider}). {e.Reason}.");
            page.Add(new TableBlock(["steps", "device", "provider"], e.Steps.Select(s => (IReadOnlyList<string>)[s.Steps, s.Device, s.Provider]).ToArray()));
        }
        if (r.CpuFallbackNodes.Count > 0)
        {
            page.AddHeading("Nodes that would leave the GPU (TargetExecutionProvider=Cuda)");
            page.Add(new TableBlock(["node", "op", "why"], r.CpuFallbackNodes.Select(n => (IReadOnlyList<string>)[n.Node, n.OpType, n.Reason]).ToArray()));
        }
    }

    private static string Threshold(double value) => value > 0 ? value.ToString("G6", CultureInfo.InvariantCulture) : "off";

    private static string Number(double value, string format) => double.IsNaN(value) ? "n/a" : value.ToString(format, CultureInfo.InvariantCulture);

}
