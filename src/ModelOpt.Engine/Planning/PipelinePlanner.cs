using ModelOpt.Core.Analysis;
using ModelOpt.Core.Data;
using ModelOpt.Core.Distillation;
using ModelOpt.Core.Equalization;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Folding;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Engine.Distillation;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Planning;

/// <summary>
/// Turns a job's options into passes and runs them in the order the techniques need:
/// BatchNormalization folding first (pruning and every quantization mode want Conv weights that
/// already include the normalization), then pruning, then (later) distillation — the shared
/// prefix, done once per job (<see cref="Prepare"/>) — then one quantization or conversion per
/// candidate (<see cref="Quantize"/>), on a clone of the prefix. Pruning comes before
/// quantization so the quantizer sees the final weights: zeros quantize exactly to the zero
/// point, and removed channels are never calibrated.
/// </summary>
public sealed class PipelinePlanner
{
    private static readonly string[] QuantizableOps = ["Conv", "MatMul", "Gemm"];

    /// <summary>Generated samples a data-free Static calibration runs on.</summary>
    private const int DataFreeSamples = 32;

    /// <summary>Their seed ("MOPTCALI"): not the validation inputs' seed, so the gate does not judge on the calibration samples.</summary>
    private const ulong DataFreeSeed = 0x4D4F505443414C49UL;

    private readonly OptimizationOptions _options;
    private readonly IActivationObserver _calibration;
    private readonly SessionFactory? _sessions;
    private readonly Func<IModelDistiller>? _distiller;
    private readonly Dictionary<QuantizeMode, OnnxModel> _quantizationAwareStudents = [];
    private readonly List<DistillationSummary> _distillations = [];
    private readonly List<string> _notes = [];
    private DistillationData? _distillationData;

    /// <summary>
    /// Plans for <paramref name="options"/>; <paramref name="calibration"/> runs the float model
    /// for Static quantization, <paramref name="sessions"/> (the job's) the Preprocessor of image
    /// samples, <paramref name="distiller"/> (loaded on first use) fine-tunes when Distill is on.
    /// </summary>
    public PipelinePlanner(OptimizationOptions options, IActivationObserver calibration, SessionFactory? sessions = null, Func<IModelDistiller>? distiller = null)
    {
        _options = options;
        _calibration = calibration;
        _sessions = sessions;
        _distiller = distiller;
    }

    /// <summary>What the report should say about steps that were skipped (each once).</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>The fine-tunings run so far (Distill=true), for the report.</summary>
    public IReadOnlyList<DistillationSummary> Distillations => _distillations;

    /// <summary>Whether the prefix folds BatchNormalization: not when the options change nothing (Quantize=None without pruning embeds the model as it is).</summary>
    public bool Folds => _options.Prune != PruneMode.None || _options.Quantize != QuantizeMode.None;

    /// <summary>Runs the shared prefix on clones of <paramref name="original"/> (left as it is); the models it makes belong to <paramref name="context"/>.</summary>
    public PreparedModel Prepare(JobContext context, OnnxModel original)
    {
        var costBefore = ModelCost.Measure(original, _options.InputShapes);
        var reference = original;
        if (Folds)
        {
            // Without a BatchNormalization there is nothing to fold, and a clone would only hold a
            // second copy of the graph for the whole job (of a million-node graph, gigabytes):
            // the original is then the reference itself, which no pass changes (candidates start from clones).
            bool batchNorms = original.Graph.AllNodes().Any(n => n.OpType == "BatchNormalization");
            if (batchNorms) reference = context.Own(original.Clone());
            context.Step("fold", () => batchNorms ? Run(reference, new BatchNormFoldingPass()) : new BatchNormFoldingReport(0),
                folded => $"{folded.FoldedCount} BatchNormalization folded into Conv", shared: true);
        }

        // After folding, so a NaN that a BatchNormalization's statistics bring into a Conv counts too.
        var nonFinite = Folds ? NonFiniteWeightNodes(context, reference) : [];

        var prefix = reference;
        MagnitudePruningReport? magnitude = null;
        StructuredPruningReport? structured = null;
        if (_options.Prune != PruneMode.None)
        {
            prefix = context.Own(reference.Clone());
            (magnitude, structured) = context.Step("prune", () => Prune(prefix, nonFinite), r => PruningDetail(r.Item1, r.Item2), shared: true);
        }
        DistillationResult? distillation = null;
        if (_options.Distill && _options.Prune != PruneMode.None)
        {
            distillation = context.Step("distill", () => Distill(context, "distill", reference, prefix, null), DistillationDetail, shared: true);
        }
        return new PreparedModel(original, reference, prefix, costBefore, ModelCost.Measure(prefix, _options.InputShapes), magnitude, structured, distillation)
        {
            NonFiniteWeightNodes = nonFinite,
        };
    }

    /// <summary>
    /// Trains <paramref name="student"/> against <paramref name="teacher"/> in place; with
    /// <paramref name="simulation"/>, quantization-aware (the forward pass rounds as the quantized model will).
    /// </summary>
    private DistillationResult Distill(JobContext context, string stage, OnnxModel teacher, OnnxModel student, QuantizationSimulation? simulation)
    {
        var distiller = _distiller?.Invoke() ?? DistillerLoader.Load(context.Job.DistillerPath, context.Job.DistillerNativePath, context.Job.DiagnosticsFile, context.Job.ModelPath);
        _distillationData ??= DistillationData.Read(_options, teacher, _sessions, context.Job.DiagnosticsFile, context.Job.ModelPath);
        var data = _distillationData;
        context.Progress($"distill: {data.Description}{(simulation is null ? "" : ", quantization-aware")}");
        var result = distiller.Distill(new DistillationRequest(teacher, student, data.Training, data.TrainingLabels, data.HeldOut, data.HeldOutLabels,
            _options.Distillation, simulation, line => context.Progress("distill: " + line)));
        _distillations.Add(new DistillationSummary(stage, result));
        if (result.BestEpoch == 0 && result.Epochs.Count > 0)
        {
            string start = result.Reconstruction is { } r ? $"{r.HeldOutWorstCosine:F4}, after layer-wise reconstruction" : $"{result.InitialHeldOutCosine:F4}";
            context.Diagnostics.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{context.Job.DiagnosticsFile ?? context.ModelPath}: warning {DiagnosticCode.DistillationDidNotImprove}: {context.ModelPath}: {stage}: no epoch of {result.Epochs.Count} improved the held-out worst cosine ({start}), so the model keeps its weights from before training. Try a smaller LearningRate, more Epochs or more TrainingData."));
        }
        return result;
    }

    /// <summary>
    /// Quantization-aware fine-tuning for <paramref name="mode"/>, once per job and mode: the
    /// prefix is quantized as usual, what that model rounds is read back
    /// (<see cref="QuantizationSimulationReader"/>), and a copy of the prefix is trained with that
    /// rounding in its forward pass; the caller then quantizes the trained copy for real. Modes
    /// without integer arithmetic have nothing to simulate and use the prefix.
    /// </summary>
    private OnnxModel QuantizationAwareStudent(JobContext context, PreparedModel prepared, QuantizeMode mode)
    {
        if (!_options.Distill || mode is not (QuantizeMode.Static or QuantizeMode.Dynamic)) return prepared.Prefix;
        if (_quantizationAwareStudents.TryGetValue(mode, out var trained)) return trained;
        var student = context.Own(prepared.Prefix.Clone());
        using (var quantized = prepared.Prefix.Clone())
        {
            Quantize(quantized, mode, [], prepared.NonFiniteWeightNodes, prepared.Original, out var rescaled);
            rescaled?.Dispose();
            var simulation = QuantizationSimulationReader.Read(quantized, student);
            context.Step($"quantization-aware fine-tuning ({mode})", () => Distill(context, $"quantization-aware ({mode})", prepared.Reference, student, simulation), DistillationDetail, shared: true);
        }
        _quantizationAwareStudents.Add(mode, student);
        return student;
    }

    private static string DistillationDetail(DistillationResult result)
    {
        var best = result.BestEpoch == 0 ? null : result.Epochs[result.BestEpoch - 1];
        var reconstruction = result.Reconstruction;
        string reconstructed = reconstruction is null ? ""
            : FormattableString.Invariant($"{reconstruction.ReconstructedCount} of {reconstruction.Layers.Count} layers reconstructed (held-out worst cosine {result.InitialHeldOutCosine:F4} -> {reconstruction.HeldOutWorstCosine:F4}, {reconstruction.Seconds:F1} s), then ");
        string kept = best is not null
            ? FormattableString.Invariant($"held-out worst cosine {result.InitialHeldOutCosine:F4} -> {best.HeldOutWorstCosine:F4} (epoch {best.Epoch})")
              + (best.HeldOutAccuracy is { } accuracy && result.InitialHeldOutAccuracy is { } before ? FormattableString.Invariant($", accuracy {before:P1} -> {accuracy:P1}") : "")
            : result.Epochs.Count == 0 ? FormattableString.Invariant($"held-out worst cosine {result.FinalHeldOutCosine():F4}")
            : FormattableString.Invariant($"no epoch beat the starting student (held-out worst cosine {result.FinalHeldOutCosine():F4}); kept it");
        return FormattableString.Invariant($"{reconstructed}{result.Epochs.Count} epochs{(result.StoppedByBudget ? " (DistillTimeBudget)" : "")} on {result.Device}, {result.SamplesPerSecond:F0} samples/s; {kept}");
    }

    /// <summary>
    /// A new model: the prefix quantized with <paramref name="mode"/>, keeping
    /// <paramref name="keepInFloat"/> in full precision besides the options' ExcludeNodes. The
    /// caller owns (disposes) it. Quantize=None without pruning starts from the original, unfolded,
    /// so that an unquantized model is embedded exactly as it came.
    /// </summary>
    public (OnnxModel Model, TransformOutcome Outcome) Quantize(JobContext context, PreparedModel prepared, QuantizeMode mode, IReadOnlyList<string> keepInFloat)
    {
        var start = mode == QuantizeMode.None && _options.Prune == PruneMode.None ? prepared.Original : QuantizationAwareStudent(context, prepared, mode);
        var model = start.Clone();
        try
        {
            context.CountCandidate();
            var nodes = Quantize(model, mode, keepInFloat, prepared.NonFiniteWeightNodes, prepared.Original, out var rescaled);
            return (model, new TransformOutcome(nodes, prepared.CostBefore, prepared.CostAfter, prepared.MagnitudePruning, prepared.StructuredPruning)
            {
                RescaledFloat = rescaled,
            });
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The nodes that read a weight holding NaN or infinity and that the options do not already
    /// exclude: each is kept in float by every pass, with warning MOPT0020 naming it.
    /// </summary>
    private IReadOnlyList<KeyValuePair<string, string>> NonFiniteWeightNodes(JobContext context, OnnxModel model)
    {
        var userFilter = new NodeFilter(_options.ExcludeNodes, _options.ExcludeOpTypes);
        var kept = new List<KeyValuePair<string, string>>();
        foreach (var (node, reason) in NonFiniteWeights.Find(model).Where(found => !userFilter.Excludes(found.Node)))
        {
            string identity = NodeFilter.IdentityOf(node);
            kept.Add(KeyValuePair.Create(identity, reason));
            context.Diagnostics.WriteLine($"{context.Job.DiagnosticsFile ?? context.ModelPath}: warning {Onnx.Diagnostics.DiagnosticCode.NonFiniteWeightKeptInFloat}: {context.ModelPath}: node '{identity}' ({node.OpType}) is {reason}. The rest of the model is optimized; fix the weights, or list the node in ExcludeNodes to keep it in float without this warning.");
        }
        return kept;
    }

    private (MagnitudePruningReport?, StructuredPruningReport?) Prune(OnnxModel model, IReadOnlyList<KeyValuePair<string, string>> nonFinite)
    {
        // One filter for every pass, so a node name copied from any report excludes it everywhere.
        var exclusions = new NodeFilter(_options.ExcludeNodes, _options.ExcludeOpTypes, keptWithReason: nonFinite);
        return _options.Prune switch
        {
            PruneMode.Magnitude => (Run(model, new MagnitudePruningPass(new MagnitudePruningOptions
            {
                Sparsity = _options.Sparsity,
                Scope = _options.PruneScope,
                Exclusions = exclusions,
            })), null),
            PruneMode.Structured => (null, Run(model, new StructuredPruningPass(new StructuredPruningOptions
            {
                Sparsity = _options.Sparsity,
                Importance = _options.PruneImportance,
                ChannelMultiple = _options.ChannelMultiple,
                PruneOutputChannels = _options.PruneOutputChannels,
                Exclusions = exclusions,
            }))),
            _ => (null, null),
        };
    }

    /// <param name="rescaledFloat">The float model the quantizer rounded, when equalization rescaled values of the prefix (owned by the caller); null otherwise.</param>
    private IReadOnlyList<NodeQuantization> Quantize(OnnxModel model, QuantizeMode mode, IReadOnlyList<string> keepInFloat,
        IReadOnlyList<KeyValuePair<string, string>> nonFinite, OnnxModel original, out OnnxModel? rescaledFloat)
    {
        rescaledFloat = null;
        var decomposition = DecomposeOutliers(model, mode, original);
        nonFinite = [.. nonFinite, .. decomposition];
        var exclusions = new NodeFilter(_options.ExcludeNodes, _options.ExcludeOpTypes, keepInFloat, nonFinite);
        // The decomposition changes what the layers' outputs hold (their outlier part joins
        // later), so per-node error compares against the decomposed float model.
        if (decomposition.Count > 0 && mode == QuantizeMode.Dynamic) rescaledFloat = model.Clone();
        return mode switch
        {
            QuantizeMode.None => model.Graph.AllNodes()
                .Where(n => n.Domain.Length == 0 && QuantizableOps.Contains(n.OpType))
                .Select(n => new NodeQuantization(n.Name, n.OpType, NodePrecision.Float, null, "Quantize=None"))
                .ToArray(),
            QuantizeMode.Dynamic => Run(model, new DynamicQuantizationPass(new DynamicQuantizationOptions
            {
                PerChannel = _options.PerChannel,
                Symmetric = _options.Symmetric,
                ReduceRange = _options.ReduceWeightRange,
                Exclusions = exclusions,
            })).Nodes,
            QuantizeMode.Static => Static(model, exclusions, keepInFloat, nonFinite, original, decomposition.Count > 0, out rescaledFloat),
            QuantizeMode.Int4 => Run(model, new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions
            {
                BlockSize = _options.BlockSize,
                Symmetric = _options.Symmetric,
                Exclusions = exclusions,
            })).Nodes,
            QuantizeMode.Float16 => Run(model, new Float16ConversionPass(new Float16ConversionOptions
            {
                KeepIoTypes = _options.KeepIoTypes,
                Exclusions = exclusions,
            }, RangeSamples(model, original), _calibration)).Nodes,
            _ => throw new InvalidOperationException($"Quantize={mode} reached the planner; Auto chooses a mode first, and option parsing refuses the rest."),
        };
    }

    /// <summary>
    /// Mixed-precision decomposition (<see cref="OutlierChannelDecompositionPass"/>) before
    /// <c>Dynamic</c> and <c>Static</c> quantize a model's MatMul/Gemm layers, when
    /// OutlierDecomposition is on: the few input channels of a transformer's hidden states that
    /// reach twenty times the rest leave the int8 product and are computed in float. The nodes it
    /// adds, with the reason, for the quantization passes to keep in float; empty when it did nothing.
    /// </summary>
    private IReadOnlyList<KeyValuePair<string, string>> DecomposeOutliers(OnnxModel model, QuantizeMode mode, OnnxModel original)
    {
        if (!_options.OutlierDecomposition || mode is not (QuantizeMode.Dynamic or QuantizeMode.Static) || !OutlierChannelDecompositionPass.HasCandidates(model)) return [];
        SampleSet samples;
        try
        {
            samples = CalibrationSamples(model, original);
        }
        catch (ModelOptException e) when (mode == QuantizeMode.Dynamic)
        {
            // Dynamic needs no samples of its own: without any to find the outliers it quantizes
            // every channel together, as it did before the decomposition existed.
            string note = $"outlier decomposition skipped: no samples to find the outlier channels ({e.Message})";
            if (!_notes.Contains(note)) _notes.Add(note);
            return [];
        }
        var report = Run(model, new OutlierChannelDecompositionPass(samples, _calibration));
        return [.. report.FloatNodes.Select(n => KeyValuePair.Create(n, OutlierChannelDecompositionPass.FloatReason))];
    }

    /// <summary>
    /// Static QDQ quantization, after cross-layer equalization and SmoothQuant when they are on
    /// (they change constants only, the float function stays; SmoothQuant also puts a Mul by s
    /// before the residual Add of a post-LN encoder, ~1% latency on arctic-embed-xs for worst
    /// cosine 0.9799 → 0.9817). Without CalibrationData it is data-free: calibrated on
    /// generated inputs, with the ranges that <paramref name="original"/>'s BatchNormalization
    /// statistics give where they reach; equalization then stays off, since it would rescale the
    /// channels those statistics describe. Embedding tables (Gather on a constant table) then get
    /// Dynamic's int8 rows, and LSTMs Dynamic's DynamicQuantizeLSTM: static quantization has no
    /// QDQ form for either, and a transformer's word embeddings or a text recognizer's LSTMs
    /// would otherwise stay the largest float tensors of the file.
    /// </summary>
    private IReadOnlyList<NodeQuantization> Static(OnnxModel model, NodeFilter exclusions, IReadOnlyList<string> keepInFloat,
        IReadOnlyList<KeyValuePair<string, string>> nonFinite, OnnxModel original, bool decomposed, out OnnxModel? rescaledFloat)
    {
        var nodes = StaticQdq(model, exclusions, original, decomposed, out rescaledFloat);
        var tables = Run(model, new DynamicQuantizationPass(new DynamicQuantizationOptions
        {
            PerChannel = _options.PerChannel,
            Symmetric = _options.Symmetric,
            ReduceRange = _options.ReduceWeightRange,
            Exclusions = new NodeFilter(_options.ExcludeNodes, [.. _options.ExcludeOpTypes, .. QuantizableOps], keepInFloat, nonFinite),
        })).Nodes.Where(n => n.Precision == NodePrecision.Int8).ToDictionary(n => n.NodeName, StringComparer.Ordinal);
        var listed = nodes.Select(n => n.NodeName).ToHashSet(StringComparer.Ordinal);
        return [.. nodes.Select(n => tables.TryGetValue(n.NodeName, out var table) && table.OpType == n.OpType ? table : n),
            .. tables.Values.Where(t => !listed.Contains(t.NodeName))];
    }

    /// <summary>
    /// Equalization (affine, then cross-layer, with CrossLayerEqualization; SmoothQuant) and the
    /// QDQ pass. Equalization keeps the float function but rescales the channels of the values it
    /// touches, so comparing them by name with the prefix would report scale, not rounding:
    /// <paramref name="rescaledFloat"/> is then a copy of the float model as the QDQ pass found
    /// it, the reference that per-node error and the accuracy fallback compare against.
    /// </summary>
    /// <param name="decomposed">Whether <see cref="DecomposeOutliers"/> changed the model before: then the copy is made too.</param>
    private IReadOnlyList<NodeQuantization> StaticQdq(OnnxModel model, NodeFilter exclusions, OnnxModel original, bool decomposed, out OnnxModel? rescaledFloat)
    {
        var batchNormRanges = _options.CalibrationData is null ? BatchNormRanges.Capture(original) : null;
        bool rescaled = decomposed;
        if (_options.CrossLayerEqualization && batchNormRanges is not { Count: > 0 })
        {
            // Affine equalization first: it fixes each activation's channel ranges from data, and
            // cross-layer equalization then balances the weights of the Conv pairs around them.
            if (_options.PerChannel) rescaled |= Run(model, new AffineEqualizationPass(CalibrationSamples(model, original), _calibration)) is { ConvOutputCount: > 0 } or { ConvInputCount: > 0 };
            rescaled |= Run(model, new CrossLayerEqualizationPass()).PairCount > 0;
        }
        if (_options.SmoothQuant) rescaled |= Run(model, new SmoothQuantPass(CalibrationSamples(model, original), _calibration, compensate: true)).Normalizations.Count > 0;
        rescaledFloat = rescaled ? model.Clone() : null;
        return Run(model, new StaticQuantizationPass(new StaticQuantizationOptions
        {
            PerChannel = _options.PerChannel,
            Symmetric = _options.Symmetric,
            ActivationType = _options.ActivationType,
            ReduceWeightRange = _options.ReduceWeightRange,
            BiasCorrection = _options.BiasCorrection,
            CalibrationMethod = _options.CalibrationMethod,
            Percentile = _options.Percentile,
            Exclusions = exclusions,
        }, CalibrationSamples(model, original), _calibration, batchNormRanges)).Nodes;
    }

    /// <summary>
    /// The CalibrationData folder, or — data-free — generated inputs in the model's own value
    /// range (images from the input's metadata, preprocessing or first BatchNormalization; token
    /// ids over the embedding rows), sized by running the model when a dimension is open. They are
    /// planned on <paramref name="original"/>: folding removes the BatchNormalization whose
    /// statistics tell an image input's range.
    /// </summary>
    private SampleSet CalibrationSamples(OnnxModel model, OnnxModel original)
    {
        if (_options.CalibrationData is { } folder)
        {
            return SampleSet.FromFolder(folder, "CalibrationData", SamplePurpose.Calibration, _options.ReadContext(model, _sessions));
        }
        byte[]? bytes = null;
        return SampleSet.Generate(original, original.SourcePath, _options.InputShapes, DataFreeSamples, DataFreeSeed,
            _sessions is null ? null : sample => _sessions.TryRun(bytes ??= OnnxModelWriter.ToBytes(original), sample));
    }

    /// <summary>
    /// The samples Float16's range check runs the float model on: CalibrationData, else
    /// ValidationData (the check keeps nodes in FLOAT, it fits nothing to the samples, so judging
    /// on the same ones afterwards stays fair), else generated inputs as data-free Static uses.
    /// </summary>
    private SampleSet RangeSamples(OnnxModel model, OnnxModel original)
        => _options.CalibrationData is null && _options.ValidationData is { } validation
            ? SampleSet.FromFolder(validation, "ValidationData", SamplePurpose.Validation, _options.ReadContext(model, _sessions))
            : CalibrationSamples(model, original);

    /// <summary>
    /// Runs <paramref name="pass"/> in a pipeline of its own, which names it in any failure and
    /// upgrades the model first when the pass needs a newer opset; returns the pass's report.
    /// </summary>
    private static TReport Run<TReport>(OnnxModel model, IModelPass<TReport> pass)
        => new PassPipeline(pass).Run(model).ResultOf(pass).Report;

    private string PruningDetail(MagnitudePruningReport? magnitude, StructuredPruningReport? structured)
        => magnitude is not null
            ? FormattableString.Invariant($"Magnitude, {magnitude.Sparsity:P1} of the weights zero")
            : FormattableString.Invariant($"Structured, Sparsity {_options.Sparsity}, {structured?.Layers.Count ?? 0} layers");
}
