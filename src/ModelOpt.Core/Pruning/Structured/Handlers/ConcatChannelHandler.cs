using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// Concat along the channel axis lays its inputs' channels side by side: the output's layout
/// is their segments in order, so a consumer's weight columns map back to each input's space at
/// its offset. Along another axis the inputs meet channel for channel, like an elementwise join.
/// </summary>
internal sealed class ConcatChannelHandler : IChannelOpHandler
{
    public IReadOnlyList<string> OpTypes { get; } = ["Concat"];

    public void Analyze(Node node, ChannelDependencyGraph graph)
    {
        var inputs = node.Inputs.Select(graph.LayoutOf).ToList();
        var known = inputs.Where(l => l is not null).Select(l => l!).ToList();
        if (known.Count == 0) return;
        var first = known[0];
        long axis = HandlerChecks.IntAttribute(node, "axis", 1);
        int channelAxisFromStart = first.Rank is { } rank ? rank - 1 - first.AxisFromEnd : int.MinValue;
        bool alongChannels = axis < 0 ? axis == -1 - first.AxisFromEnd : axis == channelAxisFromStart;
        if (axis >= 0 && first.Rank is null)
        {
            graph.MarkUnprunable(first, $"{graph.Describe(node)} concatenates along axis {axis} of a tensor of unknown rank");
            return;
        }
        if (known.Count != inputs.Count)
        {
            foreach (var layout in known) graph.MarkUnprunable(layout, $"{graph.Describe(node)} concatenates the channels with a tensor no prunable layer produces");
            return;
        }
        if (!alongChannels)
        {
            bool aligned = true;
            foreach (var other in known.Skip(1)) aligned &= graph.Join(first, other, node);
            if (aligned) graph.SetLayout(node.Outputs[0], first);
            return;
        }
        if (known.Any(l => l.Spatial != 1 || l.AxisFromEnd != first.AxisFromEnd))
        {
            foreach (var layout in known) graph.MarkUnprunable(layout, $"{graph.Describe(node)} concatenates channel layouts that do not line up");
            return;
        }
        graph.SetLayout(node.Outputs[0], new ChannelLayout([.. known.SelectMany(l => l.Segments)], first.AxisFromEnd, first.Rank, 1));
    }
}
