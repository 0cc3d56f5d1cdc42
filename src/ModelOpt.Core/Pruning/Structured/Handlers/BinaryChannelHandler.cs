using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// Elementwise joins (residual Add, the Mul of squeeze-and-excitation, Sub, Div, Sum, Max,
/// Min, Mean, PRelu): channel c of every input meets channel c of the others, so every channel
/// input is coupled and pruned together. A constant operand broadcasts (ONNX Broadcasting.md):
/// a size-1 or missing channel axis needs nothing, a per-channel one is sliced with the group.
/// A run-time operand from outside any prunable layer keeps the channels whole.
/// </summary>
internal sealed class BinaryChannelHandler : IChannelOpHandler
{
    public IReadOnlyList<string> OpTypes { get; } = ["Add", "Sub", "Mul", "Div", "Sum", "Max", "Min", "Mean", "PRelu"];

    public void Analyze(Node node, ChannelDependencyGraph graph)
    {
        var layouts = node.Inputs.Select(graph.LayoutOf).Where(l => l is not null).Select(l => l!).ToList();
        if (layouts.Count == 0) return;
        var first = layouts[0];
        bool aligned = true;
        foreach (var other in layouts.Skip(1)) aligned &= graph.Join(first, other, node);

        for (int i = 0; i < node.Inputs.Count; i++)
        {
            var value = node.Inputs[i];
            if (value is null || graph.LayoutOf(value) is not null) continue;
            var constant = Graphs.ConstantValues.TryGetTensor(graph.Model, value);
            if (constant is null)
            {
                graph.MarkUnprunable(first, $"{graph.Describe(node)} joins the channels with '{value.Name}', which no prunable layer produces");
                aligned = false;
                continue;
            }
            int axis = constant.Dims.Count - 1 - first.AxisFromEnd;
            if (axis < 0 || constant.Dims[axis] == 1) continue;
            if (constant.ElementType == ElementType.Float && constant.Dims[axis] == (long)first.Channels * Math.Max(first.Spatial, 1) && first.Spatial >= 1)
            {
                graph.AddSlices(node, i, axis, first, first.Spatial, countsForImportance: false);
                continue;
            }
            graph.MarkUnprunable(first, $"{graph.Describe(node)} broadcasts constant '{value.Name}' of a shape that is not per channel");
            aligned = false;
        }
        if (aligned) graph.SetLayout(node.Outputs[0], first);
    }
}
