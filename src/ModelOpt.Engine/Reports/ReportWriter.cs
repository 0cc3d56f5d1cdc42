using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelOpt.Engine.Gate;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Reports;

/// <summary>Writes an <see cref="OptimizationReport"/> as JSON (for machines) and Markdown (for people).</summary>
public static class ReportWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        // Metrics can be NaN (a model that outputs NaN, a skipped Auto trial); JSON has no NaN, so it is written as a string.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Any report as JSON: camelCase, enums by name, NaN allowed; one shape for every file the tool writes.</summary>
    public static string Json<T>(T report) => JsonSerializer.Serialize(report, JsonOptions);

    /// <summary>A report read back from <see cref="Json{T}"/>'s text (a cached report); null when the text is not one.</summary>
    public static T? ReadJson<T>(byte[] json) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, JsonOptions);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>", sample 3 'x.npy'" for a violation that names its worst sample, else empty.</summary>
    internal static string SampleOf(AccuracyViolation v)
        => v.Sample is int index ? string.Create(CultureInfo.InvariantCulture, $", sample {index} '{v.SampleName}'") : "";

    /// <summary>The report for people as Markdown: the summary line, sizes, the gate's metrics per output (worst and mean sample), Auto's trials and the nodes.</summary>
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
        s.AppendLine("## Accuracy against the original");
        s.AppendLine();
        s.AppendLine(c, $"{r.Accuracy.Comparison.SampleCount} samples ({r.Accuracy.Comparison.Source}); {r.Gate()}.");
        s.AppendLine();
        s.AppendLine(r.ValidationInputs switch
        {
            ValidationInputKind.HeldOut => "Inputs: ValidationData (held out).",
            ValidationInputKind.InSample => "Inputs: CalibrationData (in-sample: the data static quantization was calibrated on, so the verdict is optimistic). Set ValidationData to held-out samples.",
            ValidationInputKind.None => "Inputs: none (the gate is off and none could be generated). Set ValidationData to real samples.",
            _ => "Inputs: generated (indicative: the verdict shows the optimized model computes the same function, not that it keeps accuracy on real data). Set ValidationData to real samples.",
        });
        if (r.ResolvedInputShapes.Count > 0) s.AppendLine(c, $"Input shapes: {string.Join(", ", r.ResolvedInputShapes.Select(x => x.ToString()))}.");
        foreach (string note in r.Notes) s.AppendLine(c, $"\nNote: {note}");
        s.AppendLine();
        // Per sample: the gate checks the worst sample, the mean shows whether it is one outlier or all of them.
        s.AppendLine("| output | worst cosine | mean cosine | worst sample | max abs error (worst) | mean of max abs error | mean abs error | top-1 agreement |");
        s.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|");
        foreach (var o in r.Accuracy.Comparison.Outputs)
        {
            s.AppendLine(c, $"| {o.Output} | {o.WorstCosine:0.000000} | {o.MeanCosine:0.000000} | {o.WorstCosineSample} '{o.WorstCosineSampleName}' | {o.MaxAbsoluteError:G5} (sample {o.WorstErrorSample}) | {o.MeanMaxAbsoluteError:G5} | {o.MeanAbsoluteError:G5} | {(o.TopOneAgreement is { } top ? top.ToString("0.0000", c) : "—")} |");
        }
        foreach (var v in r.Accuracy.Violations) s.AppendLine(c, $"\nFailed: {v.Output} {v.Metric} {v.Measured:G6} (required {v.Threshold:G6}){SampleOf(v)}.");
        s.AppendLine();
        if (r.Latency is { } latency)
        {
            s.AppendLine(c, $"Latency (ONNX Runtime on {r.Execution?.Device ?? "CPU"}, median of {latency.Runs} runs, {latency.IntraOpThreads} threads): {latency.OriginalMilliseconds:0.00} ms -> {latency.OptimizedMilliseconds:0.00} ms (x{latency.Ratio:0.00}).");
            s.AppendLine();
        }
        if (r.Trials.Count > 0)
        {
            s.AppendLine("## Auto: every trial");
            s.AppendLine();
            s.AppendLine("| configuration | bytes | worst cosine | passed | latency | seconds | note |");
            s.AppendLine("|---|---:|---:|---|---:|---:|---|");
            foreach (var t in r.Trials)
            {
                s.AppendLine(c, $"| {(t.Chosen ? "**" + t.Configuration + "**" : t.Configuration)} | {t.Bytes:N0} | {t.WorstCosine:0.00000} | {(t.Bytes > 0 ? (t.Passed ? "yes" : "no") : "—")} | {(t.LatencyRatio is { } ratio ? ratio.ToString("0.00", c) : "—")} | {t.Seconds:0.0} | {t.Note}{(t.KeptInFloat.Count > 0 ? " kept in float: " + string.Join(", ", t.KeptInFloat) : "")} |");
            }
            s.AppendLine();
        }
        s.AppendLine("## Nodes");
        s.AppendLine();
        s.AppendLine("| node | op | precision | output cosine | why |");
        s.AppendLine("|---|---|---|---:|---|");
        var errors = r.NodeErrors.GroupBy(e => e.Node).ToDictionary(g => g.Key, g => g.Min(e => e.Cosine));
        foreach (var n in r.Nodes)
        {
            string cosine = errors.TryGetValue(n.NodeName, out double value) ? value.ToString("0.00000", c) : "";
            s.AppendLine(c, $"| {n.NodeName} | {n.OpType} | {n.Precision}{(n.Granularity is { } g ? $" ({g})" : "")} | {cosine} | {n.Reason} |");
        }
        s.AppendLine();
        if (r.Execution is { } e)
        {
            s.AppendLine("## Where it ran");
            s.AppendLine();
            s.AppendLine(c, $"ExecutionProvider={e.Requested}: {e.Device} ({e.Provider}). {e.Reason}.");
            s.AppendLine();
            s.AppendLine("| steps | device | provider |");
            s.AppendLine("|---|---|---|");
            foreach (var step in e.Steps) s.AppendLine(c, $"| {step.Steps} | {step.Device} | {step.Provider} |");
            s.AppendLine();
        }
        if (r.CpuFallbackNodes.Count > 0)
        {
            s.AppendLine("## Nodes that would leave the GPU (TargetExecutionProvider=Cuda)");
            s.AppendLine();
            s.AppendLine("| node | op | why |");
            s.AppendLine("|---|---|---|");
            foreach (var n in r.CpuFallbackNodes) s.AppendLine(c, $"| {n.Node} | {n.OpType} | {n.Reason} |");
            s.AppendLine();
        }
        s.AppendLine("## Ops after optimization");
        s.AppendLine();
        foreach (var (op, count) in r.OptimizedOps) s.AppendLine(c, $"- {op}: {count}");
        s.AppendLine();
        s.AppendLine(c, $"Compared in ONNX Runtime: {string.Join(", ", r.ValidatedOutputs)}. Took {r.Seconds:F1} s.");
        return s.ToString();
    }
}
