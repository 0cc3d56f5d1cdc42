using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Folding;

/// <summary>
/// Replaces the HardSwish that exporters write as four elementwise nodes,
/// <c>Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6)</c> (Paddle2ONNX, tf2onnx and older PyTorch exports of
/// MobileNetV3 and PP-LCNet), or as <c>Mul(x, HardSigmoid(x))</c> with alpha 1/6 (PyTorch before
/// opset 14), by one <c>HardSwish</c> (opset 14), which computes
/// <c>x·max(0, min(1, x/6 + 1/2))</c>, the same function. In a statically quantized mobile net
/// these chains are the float islands between the int8 Convs (ONNX Runtime has no quantized
/// HardSwish on the CPU), so each island reads and writes its activation once instead of four
/// times: PP-OCRv4's recognizer, 28 chains, ran ×0.85–0.91 of the unfused int8 model.
/// </summary>
/// <remarks>
/// Only provably equal rewrites: the Add's constant is 3 and the Clip's bounds 0 and 6 (inputs
/// or, before opset 11, attributes); the Mul reads the same x as the Add; the Add, Clip and Mul
/// outputs are read by the next node of the chain alone and are no graph outputs. The last node
/// may be a Div by a constant k or a Mul by a constant m of any shape that broadcasts, as
/// equalization leaves it (<c>k = 6·s</c> per channel): k = 6 or m = 1/6 exactly gives HardSwish
/// alone; otherwise HardSwish is followed by a Div by k/6 (a Mul by 6·m), one node where four were.
/// The HardSigmoid form needs alpha = 1/6 and beta = 1/2 (HardSigmoid's default alpha is 0.2, a
/// different function) and a HardSigmoid read by the Mul alone. The HardSwish's output is the old
/// chain's output value, so readers and graph outputs follow. Main graph only.
/// </remarks>
public sealed class HardSwishFusionPass : IModelPass<HardSwishFusionReport>
{
    /// <summary>The opset that introduced HardSwish.</summary>
    public const int MinimumOpset = 14;

    /// <inheritdoc/>
    public string Name => "HardSwishFusion";

    /// <summary><see cref="MinimumOpset"/> when the model has a chain to fuse; null when it has none, so such a model is not upgraded.</summary>
    public long? RequiredOpset(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Graph.Nodes.Any(n => Chain(model, n) is not null) ? MinimumOpset : null;
    }

    /// <inheritdoc/>
    public PassResult<HardSwishFusionReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var chains = model.Graph.Nodes.Select(n => Chain(model, n)).OfType<FusableChain>().ToArray();
        if (chains.Length == 0) return PassResult.Create(this, false, new HardSwishFusionReport(0));
        PassErrors.RequireOpset(this, model, MinimumOpset, "HardSwish");
        var names = NameScope.ForModel(model);
        var removable = new List<Value>();
        foreach (var chain in chains) PassErrors.OnNode(this, model, chain.Last, () => Fuse(model, names, chain, removable));
        foreach (var value in removable) GraphEdits.RemoveConstantIfUnused(model, value);
        return PassResult.Create(this, true, new HardSwishFusionReport(chains.Length));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    private static bool Fuse(OnnxModel model, NameScope names, FusableChain chain, List<Value> removable)
    {
        var graph = model.Graph;
        var last = chain.Last;
        var tensor = chain.Factor is { } factor ? ConstantValues.TryGetTensor(model, factor)! : null;
        var values = tensor?.ToFloatArray();
        bool divide = last.OpType == "Div";
        // HardSwish already divides by 6: what is left of the last node's constant, if anything.
        bool exact = values is null || values.All(v => divide ? v == 6f : v == 1f / 6f);
        string name = names.Reserve(GraphEdits.BaseName(last) + "_hardswish");
        var hardSwish = new Node("HardSwish", [chain.X], exact ? [] : [name], name);
        if (exact)
        {
            GraphEdits.Replace(last, hardSwish);
        }
        else
        {
            var rest = values!.Select(v => divide ? v / 6f : v * 6f).ToArray();
            var restValue = GraphEdits.AddInitializer(graph, names, chain.Factor!.Name + "_after_hardswish", n => Tensor.FromFloats(n, [.. tensor!.Dims], rest));
            GraphEdits.InsertBefore(last, hardSwish);
            GraphEdits.Replace(last, new Node(last.OpType, [hardSwish.Outputs[0], restValue], [], names.Reserve(GraphEdits.BaseName(last))));
        }
        if (chain.Factor is { } used) removable.Add(used);
        foreach (var node in chain.Inner)
        {
            var inputs = node.Inputs.Where(i => i is not null && i != chain.X).Cast<Value>().ToArray();
            var output = node.Outputs[0]!;
            graph.RemoveNode(node);
            graph.ValueInfos.Remove(output);
            removable.AddRange(inputs.Where(i => i.Producer is null or { OpType: "Constant" }));
        }
        return true;
    }

    /// <summary>The chain that ends at <paramref name="last"/>, or null.</summary>
    private static FusableChain? Chain(OnnxModel model, Node last)
    {
        if (last.Domain.Length != 0 || last.OpType is not ("Div" or "Mul") || last.Graph != model.Graph || last.Inputs.Count != 2) return null;
        if (last.Outputs.Count != 1 || last.Outputs[0] is null) return null;
        return last.OpType == "Mul" && HardSigmoidForm(model, last) is { } sigmoidForm ? sigmoidForm : DecomposedForm(model, last);
    }

    /// <summary><c>Div(Mul(x, Clip(Add(x, 3), 0, 6)), k)</c> or <c>Mul(…, m)</c> with a constant k or m; null otherwise.</summary>
    private static FusableChain? DecomposedForm(OnnxModel model, Node last)
    {
        if (last.Inputs[1] is not { } constant || !IsFloatConstant(model, constant) || constant.Uses.Count != 1) return null;
        if (Only(model, last.Inputs[0]) is not { OpType: "Mul", Domain: "" } mul || mul.Inputs.Count != 2) return null;
        for (int c = 0; c < 2; c++)
        {
            if (Only(model, mul.Inputs[c]) is not { OpType: "Clip", Domain: "" } clip || mul.Inputs[1 - c] is not { } x) continue;
            if (!ClipsToZeroSix(model, clip) || Only(model, clip.Inputs[0]) is not { OpType: "Add", Domain: "" } add || add.Inputs.Count != 2) continue;
            for (int a = 0; a < 2; a++)
            {
                if (add.Inputs[a] == x && add.Inputs[1 - a] is { } three && Scalar(model, three) == 3f) return new FusableChain(x, [mul, clip, add], last, constant);
            }
        }
        return null;
    }

    /// <summary>
    /// <c>Mul(x, HardSigmoid(x))</c> with alpha = 1/6 and beta = 1/2, the form PyTorch exports
    /// <c>hardswish</c> to before opset 14; null otherwise.
    /// </summary>
    private static FusableChain? HardSigmoidForm(OnnxModel model, Node mul)
    {
        for (int h = 0; h < 2; h++)
        {
            if (Only(model, mul.Inputs[h]) is not { OpType: "HardSigmoid", Domain: "" } sigmoid || mul.Inputs[1 - h] is not { } x) continue;
            if (sigmoid.Inputs.Count != 1 || sigmoid.Inputs[0] != x) continue;
            if (sigmoid.GetAttribute("alpha")?.Float != 1f / 6f || (sigmoid.GetAttribute("beta")?.Float ?? 0.5f) != 0.5f) continue;
            return new FusableChain(x, [sigmoid], mul, null);
        }
        return null;
    }

    /// <summary>The producer of <paramref name="value"/> when only the next node of the chain reads it (one use, no graph output, same graph).</summary>
    private static Node? Only(OnnxModel model, Value? value)
        => value is { Producer: { } producer, Uses.Count: 1 } && !GraphEdits.IsGraphOutput(model, value) && producer.Graph == model.Graph && producer.Outputs.Count == 1
            ? producer
            : null;

    private static bool ClipsToZeroSix(OnnxModel model, Node clip)
    {
        float? low = clip.GetAttribute("min")?.Float, high = clip.GetAttribute("max")?.Float;
        if (clip.Inputs.Count > 1 && clip.Inputs[1] is { } min) low = Scalar(model, min);
        if (clip.Inputs.Count > 2 && clip.Inputs[2] is { } max) high = Scalar(model, max);
        return low == 0f && high == 6f;
    }

    /// <summary>The value of a FLOAT constant with one element, or null.</summary>
    private static float? Scalar(OnnxModel model, Value value)
        => ConstantValues.TryGetTensor(model, value) is { ElementType: ElementType.Float, ElementCount: 1 } tensor ? tensor.ToFloatArray()[0] : null;

    private static bool IsFloatConstant(OnnxModel model, Value value)
        => ConstantValues.TryGetTensor(model, value) is { ElementType: ElementType.Float } tensor && tensor.ToFloatArray().All(float.IsFinite);

    /// <summary>
    /// One HardSwish written out: the value it reads, the nodes before the last one (in the order
    /// they are removed), the last node, whose output value the fused node takes over, and the
    /// last node's constant (a Div's k or a Mul's m; null for the HardSigmoid form).
    /// </summary>
    private sealed record FusableChain(Value X, IReadOnlyList<Node> Inner, Node Last, Value? Factor);
}
