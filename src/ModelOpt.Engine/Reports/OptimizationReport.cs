using System.Globalization;
using ModelOpt.Core.Data;
using ModelOpt.Core.Quantization;
using ModelOpt.Engine.Auto;
using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Runtime.Execution.Gpu;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Reports;

/// <summary>What one optimization did, for the per-model report files and the build's summary line.</summary>
/// <param name="QuantizedWith">The mode the embedded model was quantized with (Auto's choice when Options.Quantize is Auto).</param>
/// <param name="Trials">Every configuration Auto tried; empty for the other modes.</param>
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
    AccuracyCheck Accuracy,
    LatencySummary? Latency,
    IReadOnlyList<ValueSensitivity> NodeErrors,
    QuantizeMode QuantizedWith,
    IReadOnlyList<AutoTrial> Trials,
    double Seconds)
{
    /// <summary>What the job did, step by step; the shared prefix (load, fold, prune) shows how many candidates it served.</summary>
    public IReadOnlyList<JobStep> Steps { get; init; } = [];

    /// <summary>The shapes of the generated validation inputs and how each was chosen (declared, batch, graph, probed, InputShapes); empty for ValidationData or CalibrationData.</summary>
    public IReadOnlyList<ResolvedInputShape> ResolvedInputShapes { get; init; } = [];

    /// <summary>What the gate ran on: held-out ValidationData, in-sample CalibrationData, indicative generated inputs, or none.</summary>
    public ValidationInputKind ValidationInputs { get; init; } = ValidationInputKind.Indicative;

    /// <summary>The job's fine-tunings (Distill=true), in the order they ran; empty otherwise.</summary>
    public IReadOnlyList<DistillationSummary> Distillation { get; init; } = [];
    /// <summary>Where the job ran (device, provider, why) and where each kind of step ran; null only in reports written before GPU support.</summary>
    public ExecutionSummary? Execution { get; init; }

    /// <summary>With TargetExecutionProvider Cuda: the optimized model's nodes that have no CUDA kernel in ONNX Runtime (they would run on the CPU); empty otherwise.</summary>
    public IReadOnlyList<CpuFallbackNode> CpuFallbackNodes { get; init; } = [];

    /// <summary>
    /// For <c>Static</c> that failed the gate on held-out ValidationData: per validation sample whose
    /// values leave a calibrated range, the activation furthest outside it and the outputs under
    /// clipping alone (<see cref="CalibrationCoverage"/>); empty otherwise.
    /// </summary>
    public IReadOnlyList<RangeOvershoot> CalibrationCoverage { get; init; } = [];

    /// <summary>What the job could not measure and why (no inputs with the gate off, a latency run ONNX Runtime refused).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Where the model of this build came from (computed, or which cache tier) and how long that took.</summary>
    public ModelSource Source { get; init; } = new(ModelOrigin.Computed, 0, null);

    /// <summary>
    /// The lines the build logs under the summary line, at low importance: the job's steps when it
    /// computed the model; on a cache hit, the one step it did (its steps ran in an earlier build).
    /// </summary>
    public IReadOnlyList<string> DetailLines() => Source.Origin == ModelOrigin.Computed
        ? Steps.Select(s => s.ToString()).ToArray()
        : [System.FormattableString.Invariant($"cache: {Source.Origin.ToString().ToLowerInvariant()} hit, key {Source.CacheKey?[..12]}, no model work ({Source.Seconds:0.00} s)")];

    /// <summary>The one line the build prints for this model.</summary>
    public string SummaryLine()
    {
        int quantized = Nodes.Count(n => n.Precision != NodePrecision.Float);
        string verb = QuantizedWith == QuantizeMode.Float16 ? "converted" : "quantized";
        string auto = Options.Quantize switch
        {
            QuantizeMode.Auto => $"Auto chose {QuantizedWith} of {Trials.Count} trials: ",
            QuantizeMode.Recommended => "Recommended: ",
            _ => "",
        };
        int kept = Nodes.Count(n => n.Reason == Core.Passes.NodeFilter.KeptForAccuracy);
        string fallback = kept == 0 ? "" : $", {kept} kept in float to pass the gate";
        string mode = QuantizedWith == QuantizeMode.None ? $"{auto}not quantized" : $"{auto}{QuantizedWith} ({quantized} of {Nodes.Count} nodes {verb}{fallback})";
        string compression = Options.ResourceCompression == ResourceCompression.Brotli ? $", {ReportFormat.Megabytes(EmbeddedBytes)} embedded (Brotli)" : "";
        string pruning = Pruning is null ? ""
            : Pruning.Mode == "Structured"
                ? $", pruned Structured ({ReportFormat.Percent(Pruning.Sparsity)} of channels; MACs {ReportFormat.Percent(OptimizedMacs, OriginalMacs)}, parameters {ReportFormat.Percent(OptimizedParameters, OriginalParameters)} of original)"
                : $", pruned Magnitude ({ReportFormat.Percent(Pruning.Sparsity, 1)} of weights zero)";
        string distilled = Distillation.Count == 0 ? "" : ", distilled" + (Distillation[^1].Result is var last && (last.BestEpoch > 0 || last.Reconstruction is { ReconstructedCount: > 0 })
            ? string.Create(CultureInfo.InvariantCulture, $" (held-out worst cosine {last.InitialHeldOutCosine:0.0000} -> {last.FinalHeldOutCosine():0.0000})")
            : " (no epoch improved it)");
        string latency = Latency is null ? "" : string.Create(CultureInfo.InvariantCulture, $", latency x{Latency.Ratio:0.00}");
        // Only shapes the job chose (not ones the model fixed) are worth a place on the line.
        var chosenShapes = ResolvedInputShapes.Where(s => s.Source is ShapeSource.Graph or ShapeSource.Probed or ShapeSource.InputShapes).ToArray();
        string inputs = chosenShapes.Length == 0 ? "" : $", inputs {string.Join(" ", chosenShapes.Select(s => s.ToString()))}";
        string device = Execution is null ? "" : Execution.Provider == Runtime.Execution.ExecutionTarget.CudaProviderName ? $", ran on {Execution.Device} (CUDA)" : ", ran on CPU";
        string gpu = CpuFallbackNodes.Count == 0 ? "" : $", {CpuFallbackNodes.Count} node(s) would leave the GPU";
        return $"{Path.GetFileName(Model)}: {ReportFormat.Megabytes(OriginalBytes)} -> {ReportFormat.Megabytes(OptimizedBytes)} ({ReportFormat.Percent(OptimizedBytes, OriginalBytes)}){pruning}{distilled}, {mode}{compression}, {Gate()}{latency}{inputs}{device}{gpu}, {Source}";
    }

    /// <summary>
    /// The gate's verdict in a few words: the worst sample's cosine (what the gate checks, so
    /// "worst" rather than an average) and whether it passed; the reports name the sample.
    /// </summary>
    public string Gate()
    {
        var c = CultureInfo.InvariantCulture;
        string cosine = string.Create(c, $"worst cosine {Accuracy.WorstCosine:0.0000}");
        if (ValidationInputs == ValidationInputKind.None) return "not validated (gate off, no inputs)";
        if (Accuracy.Thresholds.IsOff) return $"{cosine} (gate off)";
        string verdict = Accuracy.Passed ? "passed" : "FAILED";
        return string.Create(c, $"{cosine}, gate {verdict}");
    }

}
