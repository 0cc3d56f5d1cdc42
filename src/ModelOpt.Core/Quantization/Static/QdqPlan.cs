using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// What <see cref="StaticQuantizationPass"/> will quantize in the main graph, decided before
/// anything changes: the nodes (with their quantizers), the nodes left in float (with the
/// reason), and the activations that get QuantizeLinear/DequantizeLinear, in graph order.
/// </summary>
/// <remarks>
/// Rules, after ONNX Runtime's QDQ node units (qdq_selectors.cc):
/// <list type="bullet">
/// <item>A quantized Conv, MatMul, Gemm, Add, Concat or pool quantizes its activation inputs and its
/// output. If the output's only reader is a Relu and activations are asymmetric, the Relu's output
/// is quantized instead: its range starts at 0, so its zero point is the type's lowest value, and
/// ONNX Runtime then drops the Relu into the fused node (NodeGroupSelector's redundant Clip/Relu).
/// A Clip with constant bounds (ReLU6 as exporters write it) is taken over the same way: its
/// output's calibrated range lies inside the bounds, so ONNX Runtime removes it (ClipQuantFusion),
/// and the 8-bit grid covers [0, 6] rather than the much wider range before it.</item>
/// <item>MaxPool, Reshape and Flatten are quantized only when their input is, with the same parameters.</item>
/// <item>A graph output is never quantized, so the model's results are not rounded to 8 bits. The
/// <see cref="OutputTail"/> (nodes without weights that only lead to the outputs) stays float,
/// and a quantized node that writes only into it or to a graph output writes float.</item>
/// <item>A Conv that writes float with a kernel larger than 1×1 keeps its float weights when they
/// are at most 1/32 of the model's: ONNX Runtime would run it in float anyway, on weights
/// dequantized at every run and through im2col instead of its prepacked kernels.</item>
/// </list>
/// </remarks>
internal sealed class QdqPlan
{
    private readonly List<Value> _tensors = [];
    private readonly HashSet<Value> _tensorSet = [];

    /// <summary>The quantized nodes in graph order, with their quantizers.</summary>
    public List<(Node Node, IStaticOpQuantizer Quantizer)> Nodes { get; } = [];

    /// <summary>Nodes left in float, with the reason.</summary>
    public Dictionary<Node, string> FloatReasons { get; } = [];

    /// <summary>Notes on quantized nodes (coarser granularity, output left in float).</summary>
    public Dictionary<Node, string> Notes { get; } = [];

    /// <summary>Relu and Clip nodes merged into the quantized node before them, with that node.</summary>
    public Dictionary<Node, Node> FusedActivations { get; } = [];

    /// <summary>The activations to quantize, in the order they were found (graph order of their first quantized user or producer).</summary>
    public IReadOnlyList<Value> Tensors => _tensors;

    /// <summary>Activations that reuse another's parameters (outputs of MaxPool, Reshape, Flatten), with that activation.</summary>
    public Dictionary<Value, Value> SameAs { get; } = [];

    /// <summary>The activations whose ranges calibration must measure.</summary>
    public IEnumerable<Value> Calibrated => _tensors.Where(t => !SameAs.ContainsKey(t));

    /// <summary>The activation whose parameters <paramref name="value"/> uses (itself unless it reuses another's).</summary>
    public Value ParametersOf(Value value)
    {
        while (SameAs.TryGetValue(value, out var source)) value = source;
        return value;
    }

    /// <summary>A Conv whose output stays float keeps float weights when they are at most this share (1/32) of the model's float weights.</summary>
    private const long SmallWeightShare = 32;

    private const string FloatOutputConv =
        "its output stays float (it goes only to graph outputs or to layers kept in float), and ONNX Runtime has no integer Conv with a float output: "
        + "with 8-bit weights it would run in float on weights dequantized at every run, unpacking its input for a kernel larger than 1×1 instead of using its prepacked kernels; "
        + "its weights are a small part of the model, so they stay float";

    /// <summary>Decides what to quantize; <paramref name="forcedFloat"/> keeps nodes in float with a reason (found by calibration).</summary>
    public static QdqPlan Create(StaticQuantizationContext context, IReadOnlyDictionary<Node, string> forcedFloat)
    {
        var model = context.Model;
        var options = context.Options;
        var plan = new QdqPlan();
        var tail = OutputTail.Of(model);
        var candidates = new List<(Node Node, IStaticOpQuantizer Quantizer)>();
        foreach (var node in model.Graph.Nodes)
        {
            if (node.OpType == "Constant" && IsDefaultDomain(node)) continue;
            string? reason;
            IStaticOpQuantizer? quantizer = null;
            if (!IsDefaultDomain(node)) reason = $"operators of domain '{node.Domain}' are not quantized";
            else if (options.Exclusions.Exclusion(node) is { } exclusion) reason = exclusion;
            else if (forcedFloat.TryGetValue(node, out var forced)) reason = forced;
            else if (tail.Contains(node)) reason = "it comes after the last layer with weights and leads only to graph outputs, which stay float";
            else if (IsActivation(node)) reason = $"a {node.OpType} is quantized only right after a quantized node, whose output it then becomes";
            else if ((quantizer = StaticQuantizers.Registry.Find(model, node)) is null) reason = $"no static quantizer for {node.OpType}; it runs in float";
            else reason = PassErrors.OnNode(context.Pass, model, node, () => quantizer.WhyNot(context, node));

            if (reason is not null) plan.FloatReasons[node] = reason;
            else candidates.Add((node, quantizer!));
        }
        DropIsolatedOps(context, candidates, plan);

        var candidateNodes = candidates.Select(c => c.Node).ToHashSet();
        long smallWeights = FloatWeightElements(model) / SmallWeightShare;
        foreach (var (node, quantizer) in candidates.Where(c => c.Quantizer.Output == OutputParameters.Calibrated))
        {
            var output = node.Outputs[0]!;
            bool graphOutput = GraphEdits.IsGraphOutput(model, output) || tail.FeedsOnlyTail(model, output);
            bool feedsFloatLayers = !graphOutput && quantizer.HasWeights && FeedsOnlyFloatLayers(context, output, candidateNodes);
            if ((graphOutput || feedsFloatLayers) && node.OpType == "Conv" && HasSpatialKernel(model, node) && WeightElements(model, node) <= smallWeights)
            {
                plan.FloatReasons[node] = FloatOutputConv;
                continue;
            }
            if (feedsFloatLayers)
            {
                plan.Nodes.Add((node, quantizer));
                foreach (int i in quantizer.ActivationInputs(node)) plan.Add(node.Inputs[i]!);
                plan.Notes[node] = "its output goes only to layers with weights kept in float and stays float: rounding it to 8 bits would put back the error they are kept in float to avoid";
                continue;
            }
            if (graphOutput && !quantizer.HasWeights)
            {
                plan.FloatReasons[node] = "its output is a graph output and stays float, so it runs in float";
                continue;
            }
            plan.Nodes.Add((node, quantizer));
            foreach (int i in quantizer.ActivationInputs(node)) plan.Add(node.Inputs[i]!);
            if (graphOutput)
            {
                plan.Notes[node] = "its output goes only to graph outputs and stays float";
            }
            else if (FusibleActivation(context, output) is { } activation)
            {
                plan.FusedActivations[activation] = node;
                plan.FloatReasons.Remove(activation);
                plan.Add(activation.Outputs[0]!);
            }
            else
            {
                plan.Add(output);
            }
        }

        foreach (var (node, quantizer) in candidates.Where(c => c.Quantizer.Output == OutputParameters.SameAsInput))
        {
            var input = node.Inputs[0]!;
            var output = node.Outputs[0]!;
            if (!plan._tensorSet.Contains(input))
            {
                plan.FloatReasons[node] = "its input is not quantized (it is quantized only to pass quantized data along)";
                continue;
            }
            if (GraphEdits.IsGraphOutput(model, output))
            {
                plan.FloatReasons[node] = "its output is a graph output and stays float";
                continue;
            }
            plan.Nodes.Add((node, quantizer));
            plan.Add(output);
            plan.SameAs[output] = input;
        }

        // Keep the quantized nodes in graph order, whatever pass found them.
        var order = model.Graph.Nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        plan.Nodes.Sort((a, b) => order[a.Node].CompareTo(order[b.Node]));
        return plan;
    }

    /// <summary>
    /// Leaves in float every operator without weights whose result no quantized node reads
    /// (directly or through a merged Relu/Clip): quantizing it would only round its output to
    /// 8 bits before a float consumer, at the cost of a QuantizeLinear/DequantizeLinear pair. In a
    /// transformer these are the residual Adds before each LayerNorm and the sum of the
    /// embeddings (arctic-embed-xs: worst cosine 0.951 with them quantized); in a CNN the
    /// residual Add before the next Conv stays quantized. Repeated until nothing changes, since
    /// one dropped node can leave the one before it without quantized readers.
    /// </summary>
    private static void DropIsolatedOps(StaticQuantizationContext context, List<(Node Node, IStaticOpQuantizer Quantizer)> candidates, QdqPlan plan)
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            var quantized = candidates.Select(c => c.Node).ToHashSet();
            for (int i = candidates.Count - 1; i >= 0; i--)
            {
                var (node, quantizer) = candidates[i];
                if (quantizer.HasWeights || quantizer.Output != OutputParameters.Calibrated) continue;
                var output = node.Outputs[0]!;
                var readers = FusibleActivation(context, output) is { } activation ? activation.Outputs[0]!.Uses : output.Uses;
                if (readers.Any(u => quantized.Contains(u.Node))) continue;
                plan.FloatReasons[node] = "no quantized node reads its result, so quantizing it would only round it to 8 bits before a float consumer";
                candidates.RemoveAt(i);
                changed = true;
            }
        }
    }

    /// <summary>
    /// Whether every reader of <paramref name="output"/> (after a Relu or Clip that alone reads it)
    /// is a Conv, ConvTranspose, MatMul or Gemm that stays in float. Such a layer is kept in float
    /// because its result is sensitive to its input's rounding (excluded by the user, by the
    /// accuracy fallback, or for cancelling sums), so its input must not be rounded either.
    /// </summary>
    private static bool FeedsOnlyFloatLayers(StaticQuantizationContext context, Value output, HashSet<Node> quantized)
    {
        var value = output;
        if (output.Uses.Count == 1 && output.Uses[0].Node is { OpType: "Relu" or "Clip" } activation && activation.Outputs.Count == 1 && activation.Outputs[0] is { } next
            && !GraphEdits.IsGraphOutput(context.Model, next))
        {
            value = next;
        }
        return value.Uses.Count > 0 && value.Uses.All(u => u.Node.OpType is "Conv" or "ConvTranspose" or "MatMul" or "Gemm" && IsDefaultDomain(u.Node) && !quantized.Contains(u.Node));
    }

    /// <summary>The elements of every FLOAT initializer of the main graph.</summary>
    private static long FloatWeightElements(OnnxModel model)
        => model.Graph.Initializers.Sum(v => v.Initializer is { ElementType: ElementType.Float } tensor ? tensor.ElementCount : 0L);

    /// <summary>Whether <paramref name="node"/>'s kernel covers more than one position (W [M, C/group, k…] with some k above 1).</summary>
    private static bool HasSpatialKernel(OnnxModel model, Node node)
        => node.Inputs.Count > 1 && node.Inputs[1] is { } weight && ConstantValues.TryGetTensor(model, weight) is { } tensor && tensor.Dims.Skip(2).Any(k => k > 1);

    /// <summary>The elements of <paramref name="node"/>'s constant weight (input 1).</summary>
    private static long WeightElements(OnnxModel model, Node node)
        => node.Inputs.Count > 1 && node.Inputs[1] is { } weight && ConstantValues.TryGetTensor(model, weight) is { } tensor ? tensor.ElementCount : long.MaxValue;

    private void Add(Value value)
    {
        if (_tensorSet.Add(value)) _tensors.Add(value);
    }

    /// <summary>The Relu or constant-bound Clip that can take over <paramref name="output"/>'s quantization, or null.</summary>
    private static Node? FusibleActivation(StaticQuantizationContext context, Value output)
    {
        // With symmetric activations the zero point sits mid-range, so quantizing does not clip at 0 and the activation must stay.
        if (context.Options.SymmetricActivations || output.Uses.Count != 1) return null;
        var activation = output.Uses[0].Node;
        if (!IsActivation(activation) || activation.Graph != context.Model.Graph || activation.Inputs[0] != output) return null;
        if (activation.OpType == "Clip" && activation.Inputs.Skip(1).Any(b => b is not null && ConstantValues.TryGetTensor(context.Model, b) is null)) return null;
        if (context.Options.Exclusions.Excludes(activation)) return null;
        var activationOutput = activation.Outputs.Count == 1 ? activation.Outputs[0] : null;
        return activationOutput is null || GraphEdits.IsGraphOutput(context.Model, activationOutput) ? null : activation;
    }

    private static bool IsActivation(Node node) => node.OpType is "Relu" or "Clip" && IsDefaultDomain(node);

    private static bool IsDefaultDomain(Node node) => node.Domain is "" or "ai.onnx";
}
