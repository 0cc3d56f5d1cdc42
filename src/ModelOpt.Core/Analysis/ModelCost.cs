using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Analysis;

/// <summary>
/// Counts the parameters and multiply-accumulates (MACs) of a model's Conv, ConvTranspose, Gemm
/// and MatMul nodes: the operators that hold nearly all of a CNN's or MLP's weights and work, and
/// the ones pruning and quantization change. MACs follow the usual convention (Torch-Pruning's
/// <c>count_ops_and_params</c>, thop): one per weight element per output position, bias additions
/// and the element-wise operators not counted.
/// </summary>
/// <remarks>
/// MACs need the output sizes, so shapes are propagated from the input shapes (given, or the
/// model's declared ones) through <see cref="StaticShapes"/>. A node whose shapes stay unknown
/// counts no MACs and is listed in <see cref="ModelCostReport.UnknownNodes"/> with the reason, so a
/// total is never silently short.
/// </remarks>
public static class ModelCost
{
    /// <summary>
    /// Measures <paramref name="model"/>. <paramref name="inputShapes"/> gives concrete shapes for
    /// graph inputs by name (needed where the model declares symbolic dimensions such as a batch size).
    /// </summary>
    public static ModelCostReport Measure(OnnxModel model, IReadOnlyDictionary<string, long[]>? inputShapes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var shapes = StaticShapes.Infer(model, inputShapes);
        var nodes = new List<NodeCost>();
        var unknown = new List<string>();
        var counted = new HashSet<Value>();
        long parameters = 0, macs = 0;
        foreach (var node in model.Graph.AllNodes())
        {
            if (node.Domain is not ("" or "ai.onnx") || node.OpType is not ("Conv" or "ConvTranspose" or "Gemm" or "MatMul")) continue;
            long nodeParameters = 0;
            foreach (var input in node.Inputs)
            {
                if (input is null || ConstantValues.TryGetTensor(model, input) is not { } tensor) continue;
                nodeParameters += tensor.ElementCount;
                if (counted.Add(input)) parameters += tensor.ElementCount;
            }
            long? nodeMacs = Macs(node, shapes);
            string name = NodeFilter.IdentityOf(node);
            if (nodeMacs is { } known) macs += known;
            else unknown.Add($"{PassErrors.Describe(node, model)}: the shape of an input or output is unknown; give the graph inputs' shapes");
            nodes.Add(new NodeCost(name, node.OpType, nodeMacs, nodeParameters, Sparsity(model, node)));
        }
        return new ModelCostReport(parameters, macs, nodes, unknown);
    }

    /// <summary>The input holding the node's weight: B of Gemm and MatMul (A for a MatMul whose A alone is constant), W of the convolutions.</summary>
    internal static int WeightIndex(OnnxModel model, Node node)
        => node.OpType == "MatMul" && node.Inputs.Count > 1 && node.Inputs[1] is { } b && ConstantValues.TryGetTensor(model, b) is null
           && node.Inputs[0] is { } a && ConstantValues.TryGetTensor(model, a) is not null ? 0 : 1;

    private static long? Macs(Node node, StaticShapes shapes)
    {
        var x = shapes.Of(node.Inputs.Count > 0 ? node.Inputs[0] : null);
        var w = shapes.Of(node.Inputs.Count > 1 ? node.Inputs[1] : null);
        var y = shapes.Of(node.Outputs.Count > 0 ? node.Outputs[0] : null);
        switch (node.OpType)
        {
            case "Conv":
                // Each output element is a dot product over one group's C/group input channels × kernel.
                return y is null || w is not { Length: >= 2 } ? null : Product(y) * Product(w[1..]);
            case "ConvTranspose":
                // Each input element scatters into M/group output channels × kernel.
                return x is null || w is not { Length: >= 2 } ? null : Product(x) * Product(w[1..]);
            case "Gemm":
                if (y is null || x is not { Length: 2 }) return null;
                return Product(y) * (node.GetAttribute("transA") is { Int: not 0 } ? x[0] : x[1]);
            default:
                // MatMul: one dot product of length K (A's last dimension) per output element.
                return y is null || x is not { Length: > 0 } ? null : Product(y) * x[^1];
        }
    }

    private static double? Sparsity(OnnxModel model, Node node)
    {
        int index = WeightIndex(model, node);
        if (index >= node.Inputs.Count || node.Inputs[index] is not { } weight) return null;
        if (ConstantValues.TryGetTensor(model, weight) is not { ElementType: ElementType.Float, ElementCount: > 0 } tensor) return null;
        var values = tensor.ToFloatArray();
        return (double)values.Count(v => v == 0f) / values.Length;
    }

    private static long Product(long[] dims) => dims.Aggregate(1L, (p, d) => checked(p * d));
}
