using System.Diagnostics;
using System.IO.Compression;
using ModelOpt.Cli.Options;
using ModelOpt.Onnx.Analysis;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Cli.Engine;

/// <summary>
/// Runs one <see cref="OptimizationJob"/>: load, transform, check in ONNX Runtime, then write
/// the output and its reports atomically. On any failure the job's previous outputs are
/// deleted, so a stale model can never be embedded in place of a failed one.
/// </summary>
internal static class ModelOptimizer
{
    // Brotli quality 9 (of 11): within a few percent of the best ratio at a fraction of the
    // time; fixed quality and window keep the bytes deterministic.
    private const int BrotliQuality = 9;
    private const int BrotliWindow = 22;

    public static OptimizationReport Run(OptimizationJob job, TextWriter diagnostics)
    {
        if (job.Options.ExecutionProvider == ExecutionProviderKind.Cuda)
        {
            // The worker ships ONNX Runtime's CPU build; CUDA arrives with GPU support.
            diagnostics.WriteLine($"{job.DiagnosticsFile ?? job.ModelPath}: warning {DiagnosticCode.CudaFallsBackToCpu}: {job.ModelPath}: ExecutionProvider=\"Cuda\" is not available in this version; calibration and validation run on the CPU.");
        }
        try
        {
            return RunCore(job);
        }
        catch
        {
            DeleteOutputs(job);
            throw;
        }
    }

    private static OptimizationReport RunCore(OptimizationJob job)
    {
        var stopwatch = Stopwatch.StartNew();
        using var model = OnnxModelReader.Load(job.ModelPath);
        long originalBytes = new FileInfo(job.ModelPath).Length + ExternalBytes(model);
        var before = ModelSummary.Create(model);

        var outcome = ModelTransformer.Apply(model, job.Options);

        var after = ModelSummary.Create(model);
        if (after.BytesByElementType.Sum(p => p.Value) >= int.MaxValue)
        {
            throw new ModelOptException(DiagnosticCode.CannotWriteModel, job.ModelPath,
                "the optimized model is over 2 GB and cannot be embedded as one resource. Quantize it further (Int4) or load it from disk instead.");
        }
        byte[] bytes = OnnxModelWriter.ToBytes(model);
        var validatedOutputs = OrtModelCheck.Run(bytes, job.ModelPath, job.Options.InputShapes);
        byte[] embedded = job.Options.ResourceCompression == ResourceCompression.Brotli ? Compress(bytes) : bytes;
        AtomicFile.Write(job.OutputPath, stream => stream.Write(embedded));

        var report = new OptimizationReport(
            job.ModelPath, job.OutputPath, job.Options,
            originalBytes, bytes.LongLength, embedded.LongLength,
            before.ParameterCount, after.ParameterCount,
            outcome.CostBefore.Macs, outcome.CostAfter.Macs, outcome.CostBefore.IsComplete && outcome.CostAfter.IsComplete,
            outcome.MagnitudePruning is { } magnitude ? PruningSummary.From(magnitude) : outcome.StructuredPruning is { } structured ? PruningSummary.From(structured) : null,
            before.OpHistogram, after.OpHistogram,
            outcome.Nodes, validatedOutputs, Math.Round(stopwatch.Elapsed.TotalSeconds, 3));
        if (job.ReportPath is not null) AtomicFile.WriteAllText(job.ReportPath, ReportWriter.Json(report));
        if (job.MarkdownReportPath is not null) AtomicFile.WriteAllText(job.MarkdownReportPath, ReportWriter.Markdown(report));
        return report;
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
        foreach (string? path in new[] { job.OutputPath, job.ReportPath, job.MarkdownReportPath })
        {
            if (path is not null && File.Exists(path)) File.Delete(path);
        }
    }
}
