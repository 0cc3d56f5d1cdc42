using System.IO.Compression;
using ModelOpt.Cache;
using ModelOpt.Engine.Auto;
using ModelOpt.Engine.Distillation;
using ModelOpt.Engine.Caching;
using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Planning;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Analysis;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Calibration;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Execution.Gpu;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Jobs;

/// <summary>
/// Runs optimization jobs: load the model once, run the shared prefix of the pipeline (fold,
/// prune) once, quantize (or, with <c>Auto</c>, search over clones of the prefix), check in ONNX
/// Runtime, compare with the original (the accuracy gate), measure latency and per-node error,
/// then write the output and its reports atomically. On any failure the job's previous outputs
/// are deleted, so a stale or failed model can never be embedded.
/// </summary>
public sealed class OptimizationEngine
{
    // Brotli quality 9 (of 11): within a few percent of the best ratio at a fraction of the
    // time; fixed quality and window keep the bytes deterministic.
    private const int BrotliQuality = 9;
    private const int BrotliWindow = 22;

    // Per-node error exposes every intermediate value; two samples keep that bounded.
    private const int NodeErrorSamples = 2;
    private const int LatencyWarmUpRuns = 2;

    // Same-run latency varies by a few percent on a busy machine; only a clear slowdown warns.
    private const double SlowerMargin = 0.05;

    /// <summary>
    /// The default of <see cref="MeasurementNodeLimit"/>: above this many nodes (all graphs)
    /// latency and per-node error are not measured, with warning MOPT0023 and a note in the
    /// report. They only inform, and ONNX Runtime's session creation, which each of them pays
    /// twice (original and optimized model; per-node error with every value as an output), grows
    /// faster than the graph: at 300,000 nodes they cost more than the rest of the job together.
    /// The load check and the accuracy gate always run; the gate then loads the two models in
    /// turn, since one session of such a graph takes gigabytes.
    /// </summary>
    public const int DefaultMeasurementNodeLimit = 100_000;

    private readonly TextWriter _diagnostics;
    private readonly TextWriter? _progress;
    private readonly ModelCache? _cache;

    /// <summary>
    /// An engine that writes warnings (canonical MSBuild diagnostics) to <paramref name="diagnostics"/>
    /// and, when given, one line per step of long work to <paramref name="progress"/>. With a
    /// <paramref name="cache"/>, each job is looked up before the pipeline runs and stored after
    /// the gate passed.
    /// </summary>
    public OptimizationEngine(TextWriter diagnostics, TextWriter? progress = null, ModelCache? cache = null)
    {
        _diagnostics = diagnostics;
        _progress = progress;
        _cache = cache;
    }

    /// <summary>
    /// Above this many nodes a job skips latency and per-node error and its gate holds one ONNX
    /// Runtime session at a time (<see cref="DefaultMeasurementNodeLimit"/>, which says why); tests lower it.
    /// </summary>
    public int MeasurementNodeLimit { get; init; } = DefaultMeasurementNodeLimit;

    /// <summary>
    /// Runs <paramref name="job"/> on the execution target its options ask for, resolved once
    /// (<see cref="ExecutionTarget.Resolve(ExecutionProviderRequest, bool)"/>: warning MOPT0013 when
    /// CUDA is asked for and not usable, error MOPT0200 when a GPU is required), with one session
    /// factory for the job. Expected failures are <see cref="ModelOptException"/>s, and leave no output behind.
    /// </summary>
    public OptimizationReport Run(OptimizationJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var execution = ExecutionTarget.Resolve(ToRequest(job.Options.ExecutionProvider), job.Options.RequireGpu);
        if (execution.Diagnostic is { } diagnostic)
        {
            if (diagnostic.IsError)
            {
                DeleteOutputs(job);
                throw new ModelOptException(diagnostic.Code, job.DiagnosticsFile ?? job.ModelPath, $"{job.ModelPath}: {diagnostic.Message}");
            }
            _diagnostics.WriteLine($"{job.DiagnosticsFile ?? job.ModelPath}: warning {diagnostic.Code}: {job.ModelPath}: {diagnostic.Message}");
        }
        using var sessions = new SessionFactory(execution.Target);
        return Run(job, sessions, execution);
    }

    /// <summary>Runs <paramref name="job"/> with the caller's <paramref name="sessions"/> (which the caller owns: tests count them, a host may share them).</summary>
    public OptimizationReport Run(OptimizationJob job, SessionFactory sessions)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(sessions);
        return Run(job, sessions, new ExecutionTargetResolution(ToRequest(job.Options.ExecutionProvider), sessions.Target, "the caller's session factory", null));
    }

    private OptimizationReport Run(OptimizationJob job, SessionFactory sessions, ExecutionTargetResolution execution)
    {
        try
        {
            // What the job warns about is kept, to be stored with its cache entry and replayed on a hit.
            var warnings = new RecordingWriter(_diagnostics);
            using var context = new JobContext(job, warnings, sessions, _progress) { Execution = execution };
            return RunCore(context, warnings);
        }
        catch
        {
            DeleteOutputs(job);
            throw;
        }
    }

    private OptimizationReport RunCore(JobContext context, RecordingWriter warnings)
    {
        var job = context.Job;
        var original = context.Own(context.Step("load", () => OnnxModelReader.Load(job.ModelPath), m => $"{Path.GetFileName(job.ModelPath)}, {m.Graph.AllNodes().Count()} nodes", shared: true));
        int nodeCount = original.Graph.AllNodes().Count();
        if (Core.Analysis.GraphCycles.Describe(original) is { } cycle)
        {
            throw new ModelOptException(DiagnosticCode.CyclicGraph, job.ModelPath,
                $"the graph has a cycle: {cycle}. ONNX graphs must be acyclic (each node may only read graph inputs, initializers and the outputs of nodes that do not depend on it); re-export the model.");
        }
        // The key needs the external data files, which only the loaded model names.
        var cache = _cache is null ? null : new JobCache(_cache, job, JobCacheKey.Compute(job, original, context.Sessions.Target.Name, context.PathDigest));
        if (cache?.TryRestore(context.Diagnostics, context.Clock) is { } restored) return restored;
        // Progress starts after the cache: a job the cache answers does no model work, and its log says none.
        context.Progress(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"read: {nodeCount:N0} nodes"));
        long originalBytes = new FileInfo(job.ModelPath).Length + ExternalBytes(original);
        var before = ModelSummary.Create(original);
        if (before.BytesByElementType.Sum(p => p.Value) >= int.MaxValue)
        {
            throw new ModelOptException(DiagnosticCode.CannotWriteModel, job.ModelPath,
                "the model is over 2 GB: ONNX Runtime cannot run it from memory for the accuracy gate, and it could not be embedded as one resource. Load it from disk instead of optimizing it at build time.");
        }
        // Above the limit a session takes gigabytes: the gate holds one at a time, and the informative measurements are skipped.
        bool largeGraph = nodeCount > MeasurementNodeLimit;
        // One self-contained copy (external data inlined) that ONNX Runtime runs as the reference.
        var gate = new ModelGate(context, original, oneSessionAtATime: largeGraph);
        var planner = new PipelinePlanner(context.Options, new ActivationCalibrator(context.Sessions, n => { if (n == 1 || n % 16 == 0) context.Progress($"calibration: sample {n}"); }), context.Sessions,
            () => DistillerLoader.Load(job.DistillerPath, job.DistillerNativePath, job.DiagnosticsFile, job.ModelPath));
        var prepared = planner.Prepare(context, original);
        context.Progress("prefix: ready");

        IReadOnlyList<AutoTrial> trials = [];
        Candidate chosen;
        if (context.Options.Quantize == QuantizeMode.Auto)
        {
            (chosen, trials) = new AutoSearch(context, planner, prepared, gate).Run();
        }
        else if (context.Options.Quantize == QuantizeMode.Recommended)
        {
            chosen = Recommended(context, planner, prepared, gate);
        }
        else
        {
            chosen = QuantizeAndCheck(context, planner, prepared, gate, context.Options.Quantize, context.Options.Quantize.ToString());
        }
        context.Own(chosen);

        // Latency, per-node error and calibration coverage inform; they never decide whether the model is embedded,
        // so one that cannot run is skipped with the reason in the report instead of failing the build.
        var notes = new List<string>();
        var coverage = MeasureCoverage(context, gate, prepared, chosen, largeGraph, notes);
        string? cause = CalibrationCoverage.Explain(coverage, chosen.Check.Violations, context.Options.CalibrationData is not null);
        if (cause is not null) notes.Add(cause);
        if (!chosen.Check.Passed)
        {
            var failure = AccuracyGate.ToException(job.ModelPath, chosen.Check.Comparison, chosen.Check.Violations, cause);
            if (context.Options.AccuracyGate == GateSeverity.Error) throw failure;
            context.Diagnostics.WriteLine($"{job.ModelPath}: warning {failure.Code}: {failure.Message} (AccuracyGate=\"Warning\": the model is embedded anyway)");
        }
        if (gate.NoInputsReason is { } noInputs) notes.Add(noInputs);
        notes.AddRange(planner.Notes);
        LatencyResult? latency = null;
        IReadOnlyList<ValueSensitivity> nodeErrors = [];
        // The comparisons are over: the gate's sessions would only hold memory (as much as the
        // models again, each) while latency and per-node error open sessions of their own.
        ReleaseSessions(context, gate, chosen);
        if (gate.Inputs is not null && largeGraph)
        {
            string reason = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"latency and per-node error not measured: the graph has {nodeCount:N0} nodes, more than {MeasurementNodeLimit:N0}, where the ONNX Runtime sessions they need cost more time and memory than the rest of the job; they only inform (the load check and the accuracy gate ran)");
            notes.Add(reason);
            context.Diagnostics.WriteLine($"{job.DiagnosticsFile ?? job.ModelPath}: warning {DiagnosticCode.LargeGraphMeasurementsSkipped}: {job.ModelPath}: {reason}. Measure a smaller model of the same structure, or NoWarn MOPT0023.");
        }
        else if (gate.Inputs is { } inputs)
        {
            if (context.Options.LatencyRuns > 0)
            {
                context.Progress("latency: measuring");
                latency = Measured("latency", notes, () => LatencyMeasurement.Measure(context.Sessions, [gate.Original, chosen.Bytes], inputs.Samples().First(), LatencyWarmUpRuns, context.Options.LatencyRuns, modelPath: job.ModelPath));
                ReleaseSessions(context, gate, chosen);
            }
            context.Progress("per-node error: measuring");
            nodeErrors = Measured("per-node error", notes, () => NodeSensitivity.Measure(context.Sessions, chosen.Outcome.RescaledFloat ?? prepared.Reference, chosen.Model, inputs, NodeErrorSamples)) ?? [];
        }
        if (latency is not null && latency.Ratio(1) > 1 + SlowerMargin) WarnSlower(context, chosen, latency.Ratio(1));

        context.Progress("write: model and reports");
        byte[] embedded = context.Options.ResourceCompression == ResourceCompression.Brotli ? Compress(chosen.Bytes) : chosen.Bytes;
        AtomicFile.Write(job.OutputPath, stream => stream.Write(embedded));

        var cpuFallback = context.Options.TargetExecutionProvider == TargetExecutionProviderKind.Cuda ? CudaKernelCoverage.NodesWithoutCudaKernel(chosen.Model) : [];
        if (cpuFallback.Count > 0) WarnCpuFallback(context, chosen, cpuFallback);

        var report = new ReportComposer(context).Compose(before, chosen, originalBytes, embedded.LongLength, latency, nodeErrors, trials, cpuFallback) with
        {
            ResolvedInputShapes = gate.Inputs?.ResolvedShapes ?? [],
            ValidationInputs = gate.InputKind,
            CalibrationCoverage = coverage,
            Notes = notes,
            Distillation = planner.Distillations,
            Source = new ModelSource(ModelOrigin.Computed, Math.Round(context.Clock.Elapsed.TotalSeconds, 3), cache?.Key),
        };
        ReportFiles.Write(job, report);
        context.Progress("write: done");
        // Only a model that passed the gate is shared: a build whose AccuracyGate is Error must
        // never receive, from the cache, a model another build let through with a warning.
        if (cache is not null && chosen.Check.Passed) cache.Store(embedded, report, warnings.Lines);
        return report;
    }

    /// <summary>
    /// Makes the model of <paramref name="mode"/> and checks it; when it fails the gate and
    /// AccuracyFallback is on, keeps its most sensitive nodes in float until it passes.
    /// Quantization and pruning only shrink a model, so the result is under 2 GB too.
    /// </summary>
    private static Candidate QuantizeAndCheck(JobContext context, PipelinePlanner planner, PreparedModel prepared, ModelGate gate, QuantizeMode mode, string configuration)
    {
        var candidate = Make(context, planner, prepared, gate, mode, [], configuration);
        return !candidate.Check.Passed && context.Options.AccuracyFallback && mode != QuantizeMode.None
            ? WithFallback(context, planner, prepared, gate, candidate)
            : candidate;
    }

    /// <summary>Quantizes a clone of the prefix with <paramref name="kept"/> in float and checks it; the caller owns the result.</summary>
    private static Candidate Make(JobContext context, PipelinePlanner planner, PreparedModel prepared, ModelGate gate, QuantizeMode mode, IReadOnlyList<string> kept, string configuration)
    {
        var (model, outcome) = planner.Quantize(context, prepared, mode, kept);
        try
        {
            context.Progress($"{configuration}: transformed");
            byte[] bytes = OnnxModelWriter.ToBytes(model);
            context.Progress($"{configuration}: serialized, {bytes.LongLength / 1024} KiB");
            return new Candidate(model, bytes, mode, kept, outcome, gate.Check(bytes), configuration);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Disposes the sessions the job's factory holds for the original and the chosen model, so no session outlives the stage that needed it.</summary>
    private static void ReleaseSessions(JobContext context, ModelGate gate, Candidate chosen)
    {
        context.Sessions.Release(gate.Original);
        context.Sessions.Release(chosen.Bytes);
    }

    /// <summary>A candidate the job no longer needs: its model, and the sessions the job's factory holds for it.</summary>
    private static void Discard(JobContext context, Candidate candidate)
    {
        context.Sessions.Release(candidate.Bytes);
        candidate.Dispose();
    }

    /// <summary>
    /// <c>Quantize="Recommended"</c> (the default): the mode measured best for the model's kind
    /// (<see cref="ModelKinds"/>), decided from the graph so the same model always gets the same
    /// bytes. A convolutional model whose <c>Static</c> fails the gate (data-free calibration of a
    /// model without BatchNormalization statistics can) gets <c>Float16</c>; when that fails too,
    /// a default must not break the build of a healthy model, so it is embedded unquantized with
    /// warning MOPT0183.
    /// </summary>
    private static Candidate Recommended(JobContext context, PipelinePlanner planner, PreparedModel prepared, ModelGate gate)
    {
        var kind = ModelKinds.Of(prepared.Original, prepared.CostBefore);
        string why = context.Options.TargetExecutionProvider == TargetExecutionProviderKind.Cuda ? "a model the app runs on CUDA"
            : kind == ModelKind.Convolutional ? "a convolutional model" : "a matrix-product model";
        var modes = ModelKinds.RecommendedModes(kind, context.Options.TargetExecutionProvider);
        var worst = new List<string>();
        foreach (var mode in modes)
        {
            var candidate = QuantizeAndCheck(context, planner, prepared, gate, mode, worst.Count == 0 ? $"{mode} (recommended for {why})" : $"{mode} (recommended for {why} whose {modes[0]} fails the accuracy gate)");
            if (candidate.Check.Passed) return candidate;
            worst.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{mode} worst cosine {candidate.Check.WorstCosine:0.0000}"));
            context.Progress($"recommended: {mode} fails the accuracy gate ({worst[^1]})");
            Discard(context, candidate);
        }
        context.Diagnostics.WriteLine($"{context.Job.DiagnosticsFile ?? context.ModelPath}: warning {DiagnosticCode.AutoFoundNoPassingQuantization}: {context.ModelPath}: Quantize=\"Recommended\" (the default) for {why}: no mode passes the accuracy gate, even with its most sensitive nodes in float ({string.Join(", ", worst)}), so the model is embedded unquantized. Give CalibrationData and ValidationData (real inputs), relax MinCosineSimilarity, or choose a Quantize mode and ExcludeNodes yourself.");
        return QuantizeAndCheck(context, planner, prepared, gate, QuantizeMode.None, "None (no recommended mode passes the gate)");
    }

    /// <summary>
    /// The explicit mode failed the gate: keep its most sensitive nodes in float until it passes
    /// (AccuracyFallback). Without a passing model, the plain one stays, and the gate reports it.
    /// </summary>
    private static Candidate WithFallback(JobContext context, PipelinePlanner planner, PreparedModel prepared, ModelGate gate, Candidate failed)
    {
        var mode = failed.QuantizedWith;
        var passing = new FloatFallbackSearch(context, prepared, gate).Run(failed, (configuration, kept) =>
        {
            context.Progress($"accuracy fallback: {configuration}");
            return Make(context, planner, prepared, gate, mode, kept, configuration);
        }, candidate => Discard(context, candidate), overBudget: () => false);
        if (passing is null) return failed;
        Discard(context, failed);
        return passing;
    }

    /// <summary>
    /// Defaults must never make a model slower unannounced: say so, with the ratio and the mode
    /// that is usually faster. Convolutions under Dynamic stay ConvInteger, which ONNX Runtime
    /// runs slowly on CPUs without VNNI, while Static's QDQ convolutions fuse into fast kernels;
    /// weight-only Int4 and Float16 compute in float on CPUs, where Dynamic's integer kernels win.
    /// </summary>
    private void WarnSlower(JobContext context, Candidate chosen, double ratio)
    {
        bool convolutions = chosen.Outcome.Nodes.Any(n => n.OpType == "Conv" && n.Precision != Core.Quantization.NodePrecision.Float);
        string suggestion = chosen.QuantizedWith switch
        {
            QuantizeMode.Dynamic when convolutions => "Quantize=\"Static\" with CalibrationData (a folder of inputs, e.g. .npy tensors of real images) is usually faster for convolutional models",
            QuantizeMode.Int4 or QuantizeMode.Float16 => "Quantize=\"Dynamic\" runs integer kernels and is usually faster on CPUs",
            _ => "Quantize=\"Auto\" measures the modes and can keep the model in float",
        };
        context.Diagnostics.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{context.Job.DiagnosticsFile ?? context.ModelPath}: warning {DiagnosticCode.OptimizedModelSlower}: {context.ModelPath}: the optimized model ({chosen.Configuration}) ran x{ratio:0.00} as long as the original in ONNX Runtime on this machine; {suggestion}."));
    }

    /// <summary>
    /// The app runs the model on CUDA (TargetExecutionProvider), and some of its nodes have no
    /// CUDA kernel: ONNX Runtime would run them on the CPU, with copies across the bus around each.
    /// </summary>
    private void WarnCpuFallback(JobContext context, Candidate chosen, IReadOnlyList<CpuFallbackNode> nodes)
    {
        string ops = string.Join(", ", nodes.GroupBy(n => n.OpType, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
        _diagnostics.WriteLine($"{context.Job.DiagnosticsFile ?? context.ModelPath}: warning {DiagnosticCode.NodesLeaveTheGpu}: {context.ModelPath}: TargetExecutionProvider=\"Cuda\": {nodes.Count} node(s) of the optimized model ({chosen.Configuration}) have no CUDA kernel in ONNX Runtime and would run on the CPU ({ops}); the report lists them. Quantize=\"Float16\" (or Recommended) stays on the GPU.");
    }

    /// <summary>
    /// For a <c>Static</c> model that failed the gate on held-out ValidationData: per validation
    /// sample, the activation furthest outside its calibrated range and what clipping alone costs
    /// (<see cref="CalibrationCoverage"/>), to tell the user whether the calibration data are the
    /// cause. A passing model is not measured (it would cost a fifth more job time for nothing the
    /// build acts on); other inputs say nothing about the calibration data (in-sample ones were
    /// calibrated on; generated ones are noise).
    /// </summary>
    private static IReadOnlyList<RangeOvershoot> MeasureCoverage(JobContext context, ModelGate gate, PreparedModel prepared, Candidate chosen, bool largeGraph, List<string> notes)
    {
        if (chosen.Check.Passed || chosen.QuantizedWith != QuantizeMode.Static || gate.InputKind != ValidationInputKind.HeldOut || gate.Inputs is not { } inputs || largeGraph) return [];
        context.Progress("calibration coverage: measuring");
        return Measured("calibration coverage", notes,
            () => CalibrationCoverage.Measure(context.Sessions, chosen.Outcome.RescaledFloat ?? prepared.Reference, chosen.Model, inputs, context.ModelPath, AccuracyCheck.MaxSamples)) ?? [];
    }

    /// <summary>The result of <paramref name="measure"/>, or null with a note when ONNX Runtime could not run it.</summary>
    private static T? Measured<T>(string what, List<string> notes, Func<T> measure) where T : class
    {
        try
        {
            return measure();
        }
        catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException
            || e is ModelOptException { Code: DiagnosticCode.ValidationRunFailed or DiagnosticCode.ValidationInputsInvalid })
        {
            notes.Add($"{what} not measured: {e.Message}");
            return null;
        }
    }

    private static ExecutionProviderRequest ToRequest(ExecutionProviderKind kind) => kind switch
    {
        ExecutionProviderKind.Cpu => ExecutionProviderRequest.Cpu,
        ExecutionProviderKind.Cuda => ExecutionProviderRequest.Cuda,
        _ => ExecutionProviderRequest.Auto,
    };

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
