using System.Globalization;
using ModelOpt.Core.Data;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// Static quantization in QDQ form: weights become int8 constants read through
/// DequantizeLinear (per channel or per tensor, biases int32), and activations get
/// QuantizeLinear → DequantizeLinear pairs with scales and zero points measured on calibration
/// data. The model stays a standard ONNX float graph; ONNX Runtime's QDQ transformer fuses each
/// DQ → op → Q group into an integer kernel (QLinearConv, QLinearMatMul, QGemm, QLinearAdd, …).
/// Conv, MatMul, Gemm and the activation operators between them are quantized
/// (<see cref="StaticQuantizers"/>); every other node passes through in float and is listed,
/// with the reason, in the report. Run <see cref="Folding.BatchNormFoldingPass"/>
/// first: a Conv followed by BatchNormalization is not a fusable group.
/// </summary>
/// <remarks>
/// Order of work: decide what to quantize (<see cref="QdqPlan"/>); with something to quantize the
/// pass needs opset 13 (<see cref="RequiredOpset"/>: DequantizeLinear's per-axis form and 8-bit
/// MaxPool), which <see cref="PassPipeline"/> meets by upgrading first; run the float model in ONNX Runtime on
/// every calibration sample with the chosen activations as outputs and stream their statistics
/// (<see cref="IActivationObserver"/>); keep in float the layers whose sums cancel (<see cref="CancellingSums"/>); turn them into ranges (<see cref="CalibrationMethod"/>)
/// and parameters; rewrite. Only the main graph is quantized; subgraphs pass through.
/// </remarks>
public sealed class StaticQuantizationPass : IModelPass<StaticQuantizationReport>
{
    /// <summary>The opset the output needs: DequantizeLinear-13 has <c>axis</c> (per channel), MaxPool-12 takes 8-bit data.</summary>
    public const int MinimumOpset = 13;

    /// <summary>Creates the pass.</summary>
    /// <param name="options">How to quantize; <see cref="StaticQuantizationOptions.Default"/> when null.</param>
    /// <param name="calibrationData">The samples activations are measured on; required.</param>
    /// <param name="observer">Runs the float model on the samples (ONNX Runtime, from ModelOpt.Runtime).</param>
    /// <param name="batchNormRanges">Data-free calibration: ranges from the model's BatchNormalization statistics, which replace the measured ones where they reach; null to use only what the samples show.</param>
    public StaticQuantizationPass(StaticQuantizationOptions? options, SampleSet? calibrationData, IActivationObserver observer, BatchNormRanges? batchNormRanges = null)
    {
        Options = options ?? StaticQuantizationOptions.Default;
        CalibrationData = calibrationData;
        Observer = observer;
        BatchNormRanges = batchNormRanges;
    }

    /// <summary>Ranges from BatchNormalization statistics (data-free calibration), or null.</summary>
    public BatchNormRanges? BatchNormRanges { get; }

    /// <summary>What runs the float model during calibration.</summary>
    public IActivationObserver Observer { get; }

    /// <summary>The options.</summary>
    public StaticQuantizationOptions Options { get; }

    /// <summary>The calibration samples.</summary>
    public SampleSet? CalibrationData { get; }

    /// <inheritdoc/>
    public string Name => "StaticQuantization";

    /// <summary>
    /// <see cref="MinimumOpset"/> when a node will be quantized; null when none will, so such a
    /// model is not upgraded. Options and calibration data are checked first: a pass that cannot
    /// run fails here, before a pipeline upgrades the model for it.
    /// </summary>
    public long? RequiredOpset(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckOptions(model);
        _ = RequireData(model);
        var plan = QdqPlan.Create(new StaticQuantizationContext(model, Options, this), new Dictionary<Node, string>());
        return plan.Nodes.Count > 0 ? MinimumOpset : null;
    }

    /// <inheritdoc/>
    public PassResult<StaticQuantizationReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckOptions(model);
        var data = RequireData(model);

        var context = new StaticQuantizationContext(model, Options, this);
        var plan = QdqPlan.Create(context, new Dictionary<Node, string>());
        if (plan.Nodes.Count > 0) PassErrors.RequireOpset(this, model, MinimumOpset, "DequantizeLinear with axis, 8-bit MaxPool");
        var reported = model.Graph.Nodes.Where(n => !(n.OpType == "Constant" && n.Domain.Length == 0)).ToArray();
        if (plan.Nodes.Count == 0)
        {
            return PassResult.Create(this, false, BuildReport(reported, plan, [], model.GetOpsetVersion(""), new Dictionary<string, ActivationRange>()));
        }

        var forced = new Dictionary<Node, string>();
        var statistics = Calibrate(model, data, ref plan, context, forced);
        var cancelling = CancellingSums.Find(context, plan, statistics);
        if (cancelling.Count > 0)
        {
            // Leaving nodes in float only removes activations, so the statistics still cover the new plan.
            foreach (var (node, reason) in cancelling) forced[node] = reason;
            plan = QdqPlan.Create(context, forced);
        }
        var parameters = new Dictionary<Value, QuantizationParameters>();
        var ranges = new Dictionary<string, ActivationRange>(StringComparer.Ordinal);
        var fromBatchNorm = BatchNormRanges?.Propagate(model) ?? [];
        foreach (var tensor in plan.Calibrated)
        {
            var range = fromBatchNorm.TryGetValue(tensor, out var known)
                ? known
                : RangeEstimator.Estimate(statistics[tensor], Options.CalibrationMethod, Options.Percentile, EntropyLevels());
            ranges[tensor.Name] = range;
            parameters[tensor] = QuantizationParameters.FromRange(range, Options.ActivationType, Options.SymmetricActivations);
            if (statistics[tensor].ChannelMeans is { } means) context.SetChannelMeans(tensor, means);
        }

        var granularities = new Dictionary<Node, (QuantizationGranularity? Granularity, string? Note)>();
        foreach (var (node, quantizer) in plan.Nodes)
        {
            var input = parameters[plan.ParametersOf(node.Inputs[quantizer.ActivationInputs(node)[0]]!)];
            granularities[node] = PassErrors.OnNode(this, model, node, () => quantizer.QuantizeConstants(context, node, input));
        }
        foreach (var tensor in plan.Tensors)
        {
            var source = plan.ParametersOf(tensor);
            context.Quantize(tensor, source, parameters[source]);
        }
        context.RemoveReplacedConstants();

        return PassResult.Create(this, true, BuildReport(reported, plan, granularities, model.GetOpsetVersion(""), ranges));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    private SampleSet RequireData(OnnxModel model)
        => CalibrationData ?? throw PassErrors.InModel(this, model, DiagnosticCode.CalibrationDataMissing,
            "static quantization measures activation ranges on calibration data, and none was given. Set CalibrationData to a folder of .pb or .npy input files, or choose Quantize=\"Dynamic\", which needs none.");

    /// <summary>
    /// Collects statistics for the plan's activations. An activation that turns out not to be
    /// FLOAT when the model runs (its type was not declared) keeps the nodes around it in float:
    /// the plan is made again without them, which only removes activations, so the statistics
    /// already collected still cover it.
    /// </summary>
    private Dictionary<Value, ActivationHistogram> Calibrate(OnnxModel model, SampleSet data, ref QdqPlan plan, StaticQuantizationContext context, Dictionary<Node, string> forced)
    {
        var grams = InputGrams(model, plan, context);
        var observed = plan.Calibrated.Concat(grams.Keys).Distinct().ToArray();
        var listeners = observed.Select(v => grams.GetValueOrDefault(v) ?? []).ToArray();
        var (histograms, types) = Observer.Collect(model, observed, data, Options.CalibrationMethod != CalibrationMethod.MinMax,
            (index, values, dims) =>
            {
                foreach (var gram in listeners[index]) gram.Add(values, dims);
            });
        var notFloat = new Dictionary<Value, ElementType>();
        for (int i = 0; i < observed.Length; i++)
        {
            if (types[i] != ElementType.Float) notFloat[observed[i]] = types[i];
        }
        if (notFloat.Count > 0)
        {
            foreach (var (node, quantizer) in plan.Nodes.Where(n => n.Quantizer.Output == OutputParameters.Calibrated))
            {
                var touched = quantizer.ActivationInputs(node).Select(i => node.Inputs[i]!)
                    .Append(plan.FusedActivations.FirstOrDefault(p => p.Value == node).Key?.Outputs[0] ?? node.Outputs[0]!);
                if (touched.FirstOrDefault(notFloat.ContainsKey) is { } value)
                {
                    forced[node] = $"'{value.Name}' is {ElementTypes.OnnxName(notFloat[value])} when the model runs; only FLOAT activations are quantized";
                }
            }
            plan = QdqPlan.Create(context, forced);
        }
        var result = new Dictionary<Value, ActivationHistogram>();
        for (int i = 0; i < observed.Length; i++) result[observed[i]] = histograms[i];
        return result;
    }

    /// <summary>
    /// With <see cref="WeightRounding.Gptq"/>, an input Gram accumulator for every Conv, MatMul
    /// and Gemm the plan quantizes with weights whose rows are at most
    /// <see cref="StaticQuantizationOptions.MaxErrorCompensatedColumns"/> long, in graph order while
    /// they fit in <see cref="StaticQuantizationOptions.MaxErrorCompensationBytes"/>, registered with the
    /// context and listed by the activation it reads; layers that read the same value the same way
    /// (a transformer's Q, K and V) share one.
    /// </summary>
    private IReadOnlyDictionary<Value, List<Rounding.InputGram>> InputGrams(OnnxModel model, QdqPlan plan, StaticQuantizationContext context)
    {
        var grams = new Rounding.InputGramSet(Options.MaxErrorCompensatedColumns, Options.MaxErrorCompensationBytes);
        if (Options.WeightRounding != WeightRounding.Gptq) return grams.ByInput;
        foreach (var (node, quantizer) in plan.Nodes)
        {
            if (!quantizer.HasWeights || node.Inputs.Count < 2 || node.Inputs[1] is not { } weight) continue;
            if (ConstantValues.TryGetTensor(model, weight) is { } tensor && grams.Add(node, tensor.Dims) is { } gram) context.SetInputGram(node, gram);
        }
        return grams.ByInput;
    }

    /// <summary>Grid steps a one-sided activation range gets, for the entropy search: all 256 when asymmetric, half when symmetric.</summary>
    private int EntropyLevels() => Options.SymmetricActivations ? 128 : 256;

    private void CheckOptions(OnnxModel model)
    {
        if (Options.CalibrationMethod == CalibrationMethod.Percentile && !(Options.Percentile > 50 && Options.Percentile <= 100))
        {
            throw PassErrors.InModel(this, model, DiagnosticCode.InvalidOption,
                string.Create(CultureInfo.InvariantCulture, $"Percentile {Options.Percentile} is outside (50, 100]; it is the percentage of values each range keeps, e.g. 99.999."));
        }
    }

    private static StaticQuantizationReport BuildReport(IReadOnlyList<Node> nodes, QdqPlan plan,
        Dictionary<Node, (QuantizationGranularity? Granularity, string? Note)> granularities, long? opset, IReadOnlyDictionary<string, ActivationRange> ranges)
    {
        var entries = new List<NodeQuantization>(nodes.Count);
        foreach (var node in nodes)
        {
            string name = GraphEdits.BaseName(node);
            if (granularities.TryGetValue(node, out var done))
            {
                string? note = JoinNotes(done.Note, plan.Notes.GetValueOrDefault(node));
                entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.StaticInt8, done.Granularity, note));
            }
            else if (plan.FusedActivations.TryGetValue(node, out var producer))
            {
                entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.StaticInt8, null,
                    $"merged into {GraphEdits.BaseName(producer)}: its output's 8-bit range lies within what the {node.OpType} lets through, so ONNX Runtime drops the {node.OpType} into the fused node"));
            }
            else
            {
                entries.Add(new NodeQuantization(name, node.OpType, NodePrecision.Float, null,
                    plan.FloatReasons.GetValueOrDefault(node) ?? "it runs in float"));
            }
        }
        return new StaticQuantizationReport(entries, opset, ranges);
    }

    private static string? JoinNotes(string? a, string? b) => a is null ? b : b is null ? a : a + "; " + b;
}
