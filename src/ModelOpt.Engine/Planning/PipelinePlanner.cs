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
/// prefix, done once per job (<see cref="Prepare"/>) — then, once per job and mode, the mode's
/// equalization (<see cref="Equalization"/>), and one quantization or conversion per candidate
/// (<see cref="Quantize"/>), on a clone of that equalized start. Pruning comes before
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
    private readonly Dictionary<QuantizeMode, QuantizationStart> _equalizedStarts = [];
    private readonly Dictionary<QuantizeMode, QuantizationStart> _quantizationAwareStudents = [];
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
    /// mode's equalized start (<see cref="Equalized"/>) is quantized as usual, what that model
    /// rounds is read back (<see cref="QuantizationSimulationReader"/>), and a copy of the
    /// equalized start is trained with that rounding in its forward pass; the trials then quantize
    /// the trained copy, which is already equalized (they run the quantization passes only). The
    /// student is the equalized model, not the prefix, because the simulation holds the scales of
    /// the equalized values: on the prefix's values it would round at the wrong scale.
    /// </summary>
    private QuantizationStart QuantizationAwareStudent(JobContext context, PreparedModel prepared, QuantizeMode mode)
    {
        if (_quantizationAwareStudents.TryGetValue(mode, out var trained)) return trained;
        var equalized = Equalized(context, prepared, mode);
        var student = context.Own(equalized.Model.Clone());
        using (var quantized = equalized.Model.Clone())
        {
            Quantize(quantized, mode, [], [.. prepared.NonFiniteWeightNodes, .. equalized.KeptInFloat], prepared.Original);
            var simulation = QuantizationSimulationReader.Read(quantized, student);
            // Distillation also matches intermediate values by name, so the teacher must hold them at
            // the student's scale: after equalization rescaled, that is the equalized start (the
            // prefix's function: the reference's without pruning, else the pruned model that the
            // distill step already trained toward the reference).
            var teacher = equalized.RescaledFloat ?? prepared.Reference;
            context.Step($"quantization-aware fine-tuning ({mode})", () => Distill(context, $"quantization-aware ({mode})", teacher, student, simulation), DistillationDetail, shared: true);
        }
        // The trials' float reference is the trained student, not the untrained equalized start:
        // it is the float model the quantizer rounds, so per-node error against it measures the
        // rounding alone. Against the untrained start every node that training moved would show
        // as quantization error, and the accuracy fallback would keep in float the nodes training
        // changed most instead of those that round worst.
        trained = new QuantizationStart(student, equalized.RescaledFloat is null ? null : student, equalized.KeptInFloat);
        _quantizationAwareStudents.Add(mode, trained);
        return trained;
    }

    /// <summary>
    /// The prefix with <paramref name="mode"/>'s equalization applied, made once per job and
    /// mode: the float model before quantization is the same in every trial of the mode (each
    /// accuracy-fallback round, each of Auto's), so each clones this one and only quantizes,
    /// rather than equalizing again with the calibration runs that affine equalization and
    /// SmoothQuant take. A mode without equalization, or whose equalization found nothing to
    /// rescale, starts from the prefix itself, without a second copy for the job.
    /// </summary>
    private QuantizationStart Equalized(JobContext context, PreparedModel prepared, QuantizeMode mode)
    {
        if (_equalizedStarts.TryGetValue(mode, out var start)) return start;
        start = new QuantizationStart(prepared.Prefix, null, []);
        var keptInFloat = new List<KeyValuePair<string, string>>();
        var passes = Equalization(mode, prepared, keptInFloat);
        if (passes.Count > 0)
        {
            var model = prepared.Prefix.Clone();
            bool rescaled;
            try
            {
                rescaled = context.Step($"equalize ({mode})", () => Equalize(model, passes),
                    r => r ? "channels rescaled or activations fused; the mode's trials clone this model and compare against it" : "nothing to rescale or fuse", shared: true);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            if (rescaled) start = new QuantizationStart(context.Own(model), model, keptInFloat);
            else model.Dispose();
        }
        _equalizedStarts.Add(mode, start);
        return start;
    }

    /// <summary>Runs every pass of <paramref name="passes"/> on <paramref name="model"/>, in order; whether any rescaled something.</summary>
    private static bool Equalize(OnnxModel model, IReadOnlyList<Func<OnnxModel, bool>> passes)
    {
        bool rescaled = false;
        foreach (var pass in passes) rescaled |= pass(model);
        return rescaled;
    }

    /// <summary>
    /// The equalization that <paramref name="mode"/>'s trials start from, as passes in the order
    /// they run (none for most modes). Each rescales channels in place, keeping the float
    /// function, and says whether it rescaled anything; one that rescales nothing leaves the model
    /// as it found it. A mode that gains an equalization adds its arm here, nothing else. Nodes a
    /// pass adds that must stay in float go to <paramref name="keptInFloat"/>, with the reason.
    /// </summary>
    private IReadOnlyList<Func<OnnxModel, bool>> Equalization(QuantizeMode mode, PreparedModel prepared, List<KeyValuePair<string, string>> keptInFloat) => mode switch
    {
        QuantizeMode.Static => [.. OutlierDecomposition(mode, prepared, keptInFloat), .. StaticEqualization(prepared.Original), .. HardSwishFusion(prepared)],
        QuantizeMode.Dynamic => [.. OutlierDecomposition(mode, prepared, keptInFloat), .. HardSwishFusion(prepared)],
        _ => [],
    };

    /// <summary>
    /// Last of <c>Static</c>'s and <c>Dynamic</c>'s preparation, after equalization (which may
    /// take a decomposed HardSwish's constant Div to absorb a per-channel scale): each decomposed
    /// HardSwish becomes one node (<see cref="HardSwishFusionPass"/>). Between a quantized mobile
    /// net's int8 Convs these chains run in float, so the island reads its activation once instead
    /// of four times. None when the prefix has no such chain.
    /// </summary>
    private static List<Func<OnnxModel, bool>> HardSwishFusion(PreparedModel prepared)
        => new HardSwishFusionPass().RequiredOpset(prepared.Prefix) is null ? [] : [model => Run(model, new HardSwishFusionPass()).FusedCount > 0];

    /// <summary>
    /// Mixed-precision decomposition (<see cref="OutlierChannelDecompositionPass"/>), first of
    /// <c>Dynamic</c>'s and <c>Static</c>'s equalization when OutlierDecomposition is on and the
    /// prefix has a MatMul/Gemm input to look at: the few input channels of a transformer's hidden
    /// states that reach twenty times the rest leave the int8 product and are computed in float;
    /// the nodes it adds go to <paramref name="keptInFloat"/>. It changes what a layer's output
    /// holds (the outlier part joins after it), so, like equalization, it makes the decomposed
    /// model the trials' float reference. <c>Dynamic</c> needs no samples of its own: when none
    /// can be generated it quantizes every channel together, as before, with a note in the report.
    /// </summary>
    private List<Func<OnnxModel, bool>> OutlierDecomposition(QuantizeMode mode, PreparedModel prepared, List<KeyValuePair<string, string>> keptInFloat)
    {
        if (!_options.OutlierDecomposition || !OutlierChannelDecompositionPass.HasCandidates(prepared.Prefix)) return [];
        return [model =>
        {
            SampleSet samples;
            try
            {
                samples = CalibrationSamples(model, prepared.Original);
            }
            catch (ModelOptException e) when (mode == QuantizeMode.Dynamic)
            {
                _notes.Add($"outlier decomposition skipped: no samples to find the outlier channels ({e.Message})");
                return false;
            }
            var report = Run(model, new OutlierChannelDecompositionPass(samples, _calibration));
            keptInFloat.AddRange(report.FloatNodes.Select(n => KeyValuePair.Create(n, OutlierChannelDecompositionPass.FloatReason)));
            return report.Values.Count > 0;
        }];
    }

    /// <summary>
    /// Static's: affine, then cross-layer equalization, with CrossLayerEqualization; SmoothQuant
    /// with SmoothQuant (it also puts a Mul by s before the residual Add of a post-LN encoder, ~1%
    /// latency on arctic-embed-xs for worst cosine 0.9799 → 0.9817). Data-free (ranges from
    /// BatchNormalization statistics, see <see cref="StaticQdq"/>) without the first two: they
    /// would rescale the channels those statistics describe.
    /// </summary>
    private List<Func<OnnxModel, bool>> StaticEqualization(OnnxModel original)
    {
        var passes = new List<Func<OnnxModel, bool>>();
        if (_options.CrossLayerEqualization && DataFreeRanges(original) is not { Count: > 0 })
        {
            // Affine equalization first: it fixes each activation's channel ranges from data, and
            // cross-layer equalization then balances the weights of the Conv pairs around them.
            if (_options.PerChannel)
            {
                passes.Add(model => Run(model, new AffineEqualizationPass(CalibrationSamples(model, original), _calibration)) is { ConvOutputCount: > 0 } or { ConvInputCount: > 0 });
            }
            passes.Add(model => Run(model, new CrossLayerEqualizationPass()).PairCount > 0);
        }
        if (_options.SmoothQuant)
        {
            passes.Add(model => Run(model, new SmoothQuantPass(CalibrationSamples(model, original), _calibration, compensate: true)).Normalizations.Count > 0);
        }
        return passes;
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
    /// A new model: the prefix, equalized for <paramref name="mode"/> once per job
    /// (<see cref="Equalized"/>), quantized with <paramref name="mode"/>, keeping
    /// <paramref name="keepInFloat"/> in full precision besides the options' ExcludeNodes. The
    /// caller owns (disposes) it. Quantize=None without pruning starts from the original, unfolded,
    /// so that an unquantized model is embedded exactly as it came.
    /// </summary>
    public (OnnxModel Model, TransformOutcome Outcome) Quantize(JobContext context, PreparedModel prepared, QuantizeMode mode, IReadOnlyList<string> keepInFloat)
    {
        var start = mode == QuantizeMode.None && _options.Prune == PruneMode.None ? new QuantizationStart(prepared.Original, null, [])
            : _options.Distill && mode is (QuantizeMode.Static or QuantizeMode.Dynamic) ? QuantizationAwareStudent(context, prepared, mode)
            : Equalized(context, prepared, mode);
        var model = start.Model.Clone();
        try
        {
            context.CountCandidate();
            var nodes = Quantize(model, mode, keepInFloat, [.. prepared.NonFiniteWeightNodes, .. start.KeptInFloat], prepared.Original);
            return (model, new TransformOutcome(nodes, prepared.CostBefore, prepared.CostAfter, prepared.MagnitudePruning, prepared.StructuredPruning)
            {
                RescaledFloat = start.RescaledFloat,
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

    /// <summary>Quantizes <paramref name="model"/> (already equalized for <paramref name="mode"/>) in place with the quantization passes of <paramref name="mode"/>.</summary>
    private IReadOnlyList<NodeQuantization> Quantize(OnnxModel model, QuantizeMode mode, IReadOnlyList<string> keepInFloat,
        IReadOnlyList<KeyValuePair<string, string>> nonFinite, OnnxModel original)
    {
        var exclusions = new NodeFilter(_options.ExcludeNodes, _options.ExcludeOpTypes, keepInFloat, nonFinite);
        return mode switch
        {
            QuantizeMode.None => model.Graph.AllNodes()
                .Where(n => n.Domain.Length == 0 && QuantizableOps.Contains(n.OpType))
                .Select(n => new NodeQuantization(n.Name, n.OpType, NodePrecision.Float, null, "Quantize=None"))
                .ToArray(),
            QuantizeMode.Dynamic => WithAffinesFused(model, Run(model, new DynamicQuantizationPass(new DynamicQuantizationOptions
            {
                PerChannel = _options.PerChannel,
                Symmetric = _options.Symmetric,
                ReduceRange = _options.ReduceWeightRange,
                Exclusions = exclusions,
            })).Nodes),
            QuantizeMode.Static => WithAffinesFused(model, Static(model, exclusions, keepInFloat, nonFinite, original)),
            // Error-compensated codes need real inputs: generated token ids or noise would fit the rounding to inputs the model never sees.
            QuantizeMode.Int4 => Run(model, new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions
            {
                BlockSize = _options.BlockSize,
                Symmetric = _options.Symmetric,
                WeightRounding = _options.WeightRounding,
                Exclusions = exclusions,
            }, _options.CalibrationData is null ? null : CalibrationSamples(model, original), _calibration)).Nodes,
            QuantizeMode.Float16 => Run(model, new Float16ConversionPass(new Float16ConversionOptions
            {
                KeepIoTypes = _options.KeepIoTypes,
                Exclusions = exclusions,
            }, RangeSamples(model, original), _calibration)).Nodes,
            _ => throw new InvalidOperationException($"Quantize={mode} reached the planner; Auto chooses a mode first, and option parsing refuses the rest."),
        };
    }

    /// <summary>
    /// Last of <c>Static</c> and <c>Dynamic</c>: each per-channel <c>Mul</c>-then-<c>Add</c> by
    /// constants left in float (a mobile net's affine blocks around its activations, per channel
    /// after equalization) becomes one BatchNormalization (<see cref="ChannelAffineFusionPass"/>),
    /// the same arithmetic in one pass over the activation. After quantization, so that neither
    /// data-free calibration nor the quantizer reads it as a trained BatchNormalization.
    /// </summary>
    private IReadOnlyList<NodeQuantization> WithAffinesFused(OnnxModel model, IReadOnlyList<NodeQuantization> nodes)
    {
        Run(model, new ChannelAffineFusionPass());
        return nodes;
    }

    /// <summary>
    /// Static QDQ quantization of a model that <see cref="StaticEqualization"/> already equalized.
    /// Without CalibrationData it is data-free: calibrated on generated inputs, with the ranges
    /// that <paramref name="original"/>'s BatchNormalization statistics give where they reach.
    /// Embedding tables (Gather on a constant table) then get
    /// Dynamic's int8 rows, and LSTMs Dynamic's DynamicQuantizeLSTM: static quantization has no
    /// QDQ form for either, and a transformer's word embeddings or a text recognizer's LSTMs
    /// would otherwise stay the largest float tensors of the file.
    /// </summary>
    private IReadOnlyList<NodeQuantization> Static(OnnxModel model, NodeFilter exclusions, IReadOnlyList<string> keepInFloat,
        IReadOnlyList<KeyValuePair<string, string>> nonFinite, OnnxModel original)
    {
        var nodes = StaticQdq(model, exclusions, original);
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

    /// <summary>The QDQ pass; data-free (no CalibrationData), with the ranges <paramref name="original"/>'s BatchNormalization statistics give.</summary>
    private IReadOnlyList<NodeQuantization> StaticQdq(OnnxModel model, NodeFilter exclusions, OnnxModel original)
    {
        return Run(model, new StaticQuantizationPass(new StaticQuantizationOptions
        {
            PerChannel = _options.PerChannel,
            Symmetric = _options.Symmetric,
            ActivationType = _options.ActivationType,
            ReduceWeightRange = _options.ReduceWeightRange,
            BiasCorrection = _options.BiasCorrection,
            CalibrationMethod = _options.CalibrationMethod,
            WeightRounding = _options.WeightRounding,
            Percentile = _options.Percentile,
            Exclusions = exclusions,
        }, CalibrationSamples(model, original), _calibration, DataFreeRanges(original))).Nodes;
    }

    /// <summary>Data-free Static's ranges from <paramref name="original"/>'s BatchNormalization statistics (before folding); null with CalibrationData.</summary>
    private BatchNormRanges? DataFreeRanges(OnnxModel original)
        => _options.CalibrationData is null ? BatchNormRanges.Capture(original) : null;

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
