using System.Diagnostics;
using System.IO.Compression;
using ModelOpt.Engine.Auto;
using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Planning;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Analysis;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Jobs;

/// <summary>
/// Runs one <see cref="OptimizationJob"/>: load, transform (or search with <c>Auto</c>), check
/// in ONNX Runtime, compare with the original (the accuracy gate), measure latency and per-node
/// error, then write the output and its reports atomically. On any failure the job's previous
/// outputs are deleted, so a stale or failed model can never be embedded.
/// </summary>
public static class ModelOptimizer
{
    // Brotli quality 9 (of 11): within a few percent of the best ratio at a fraction of the
    // time; fixed quality and window keep the bytes deterministic.
    private const int BrotliQuality = 9;
    private const int BrotliWindow = 22;

    // Per-node error exposes every intermediate value; two samples keep that bounded.
    private const int NodeErrorSamples = 2;
    private const int LatencyWarmUpRuns = 2;

    public static OptimizationReport Run(OptimizationJob job, TextWriter diagnostics)
    {
        // One execution target and one session factory per job: every session of the job
        // (calibration, the gate, latency, sensitivity, Auto's trials) comes from it.
        var execution = ExecutionTarget.Resolve(ToRequest(job.Options.ExecutionProvider));
        if (execution.Warning is { } warning)
        {
            diagnostics.WriteLine($"{job.DiagnosticsFile ?? job.ModelPath}: warning {warning.Code}: {job.ModelPath}: {warning.Message}");
        }
        using var sessions = new SessionFactory(execution.Target);
        return Run(job, diagnostics, sessions);
    }

    /// <summary>Runs <paramref name="job"/> with its sessions from <paramref name="sessions"/> (tests count them).</summary>
    internal static OptimizationReport Run(OptimizationJob job, TextWriter diagnostics, SessionFactory sessions)
    {
        try
        {
            return RunCore(job, diagnostics, sessions);
        }
        catch
        {
            DeleteOutputs(job);
            throw;
        }
    }

    private static ExecutionProviderRequest ToRequest(ExecutionProviderKind kind) => kind switch
    {
        ExecutionProviderKind.Cpu => ExecutionProviderRequest.Cpu,
        ExecutionProviderKind.Cuda => ExecutionProviderRequest.Cuda,
        _ => ExecutionProviderRequest.Auto,
    };

    private static OptimizationReport RunCore(OptimizationJob job, TextWriter diagnostics, SessionFactory sessions)
    {
        var stopwatch = Stopwatch.StartNew();
        IReadOnlyList<AutoTrial> trials = [];
        AutoSearch.Candidate? chosen = null;
        OnnxModel? model = OnnxModelReader.Load(job.ModelPath);
        try
        {
            long originalBytes = new FileInfo(job.ModelPath).Length + ExternalBytes(model);
            var before = ModelSummary.Create(model);
            if (before.BytesByElementType.Sum(p => p.Value) >= int.MaxValue)
            {
                throw new ModelOptException(DiagnosticCode.CannotWriteModel, job.ModelPath,
                    "the model is over 2 GB: ONNX Runtime cannot run it from memory for the accuracy gate, and it could not be embedded as one resource. Load it from disk instead of optimizing it at build time.");
            }
            // One self-contained copy (external data inlined) that ONNX Runtime runs as the reference.
            byte[] original = OnnxModelWriter.ToBytes(model);
            var inputs = AccuracyCheck.InputsFor(job.Options, model, job.ModelPath);

            OptimizationOptions options = job.Options;
            TransformOutcome outcome;
            byte[] bytes;
            AccuracyCheck check;
            if (options.Quantize == QuantizeMode.Auto)
            {
                // Every trial starts from its own fresh copy; the chosen one's model is kept.
                model.Dispose();
                model = null;
                (chosen, trials) = AutoSearch.Run(job, original, inputs, diagnostics, sessions);
                (model, bytes, options, outcome, check) = (chosen.Model, chosen.Bytes, chosen.Options, chosen.Outcome, chosen.Check);
            }
            else
            {
                // Quantization and pruning only shrink a model, so the result is under 2 GB too.
                outcome = ModelTransformer.Apply(model, options, sessions);
                bytes = OnnxModelWriter.ToBytes(model);
                OrtModelCheck.Run(sessions, bytes, job.ModelPath);
                check = AccuracyCheck.Run(sessions, original, bytes, inputs, options, job.ModelPath);
            }
            var validatedOutputs = check.Comparison.Outputs.Select(o => o.Output).ToArray();

            if (!check.Passed)
            {
                var failure = AccuracyGate.ToException(job.ModelPath, check.Comparison, check.Violations);
                if (job.Options.AccuracyGate == GateSeverity.Error) throw failure;
                diagnostics.WriteLine($"{job.ModelPath}: warning {failure.Code}: {failure.Message} (AccuracyGate=\"Warning\": the model is embedded anyway)");
            }

            var after = ModelSummary.Create(model);
            var latency = options.LatencyRuns > 0
                ? LatencyMeasurement.Measure(sessions, [original, bytes], inputs.Samples().First(), LatencyWarmUpRuns, options.LatencyRuns, modelPath: job.ModelPath)
                : null;
            IReadOnlyList<ValueSensitivity> nodeErrors;
            using (var reference = OnnxModelReader.Load(job.ModelPath))
            {
                ModelTransformer.Fold(reference, options);
                nodeErrors = NodeSensitivity.Measure(sessions, reference, model, inputs, NodeErrorSamples);
            }

            byte[] embedded = options.ResourceCompression == ResourceCompression.Brotli ? Compress(bytes) : bytes;
            AtomicFile.Write(job.OutputPath, stream => stream.Write(embedded));

            var report = new OptimizationReport(
                job.ModelPath, job.OutputPath, job.Options,
                originalBytes, bytes.LongLength, embedded.LongLength,
                before.ParameterCount, after.ParameterCount,
                outcome.CostBefore.Macs, outcome.CostAfter.Macs, outcome.CostBefore.IsComplete && outcome.CostAfter.IsComplete,
                outcome.MagnitudePruning is { } magnitude ? PruningSummary.From(magnitude) : outcome.StructuredPruning is { } structured ? PruningSummary.From(structured) : null,
                before.OpHistogram, after.OpHistogram,
                outcome.Nodes, validatedOutputs,
                check, latency is null ? null : LatencySummary.From(latency), nodeErrors,
                options.Quantize, trials,
                Math.Round(stopwatch.Elapsed.TotalSeconds, 3));
            if (job.ReportPath is not null) AtomicFile.WriteAllText(job.ReportPath, ReportWriter.Json(report));
            if (job.MarkdownReportPath is not null) AtomicFile.WriteAllText(job.MarkdownReportPath, ReportWriter.Markdown(report));
            if (job.HtmlReportPath is not null) AtomicFile.WriteAllText(job.HtmlReportPath, HtmlReport.Write(report));
            return report;
        }
        finally
        {
            if (chosen is not null) chosen.Dispose();
            else model?.Dispose();
        }
    }

    private static long ExternalBytes(OnnxModel model)
        => model.Graph.AllGraphs().SelectMany(g => g.Initializers).Select(v => v.Initializer!)
            .Where(t => t.External is not null).Sum(t => t.External!.Length);

    private static byte[] Compress(byte[] bytes)
    {
        using var encoder = new BrotliEncoder(BrotliQuality, BrotliWindow);
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(bytes.Length)];
        var status = encoder.Compress(bytes, output, out _, out int written, isFinalBlock: true);
        if (status != System.Buffers.OperationStatus.Done) throw new InvalidOperationException($"Brotli compression stopped with {status}.");
        return output.AsSpan(0, written).ToArray();
    }

    private static void DeleteOutputs(OptimizationJob job)
    {
        foreach (string? path in new[] { job.OutputPath, job.ReportPath, job.MarkdownReportPath, job.HtmlReportPath })
        {
            if (path is not null && File.Exists(path)) File.Delete(path);
        }
    }
}
