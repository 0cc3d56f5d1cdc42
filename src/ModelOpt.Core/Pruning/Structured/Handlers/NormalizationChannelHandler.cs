using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// BatchNormalization and InstanceNormalization normalize each channel (axis 1) with its own
/// parameters, all 1-D of the channel count: they follow the channels' group without voting.
/// </summary>
internal sealed class NormalizationChannelHandler : IChannelOpHandler
{
    public IReadOnlyList<string> OpTypes { get; } = ["BatchNormalization", "InstanceNormalization"];

    public void Analyze(Node node, ChannelDependencyGraph graph)
    {
        HandlerChecks.OnlyInputsCarryChannels(node, graph, 0);
        if (graph.LayoutOf(node.Inputs[0]) is not { } layout) return;
        if (!HandlerChecks.OnlyFirstOutputRead(node, graph, layout)) return;
        if (!layout.IsAxisOne || layout.Spatial != 1)
        {
            graph.MarkUnprunable(layout, $"{graph.Describe(node)} normalizes a tensor whose channels are not on axis 1");
            return;
        }
        for (int i = 1; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i] is null) continue;
            if (graph.FloatConstant(node, i) is not { Dims.Count: 1 } p || p.Dims[0] != layout.Channels)
            {
                graph.MarkUnprunable(layout, $"{graph.Describe(node)} has parameter {i} that is not a FLOAT constant per channel");
                return;
            }
        }
        for (int i = 1; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i] is not null) graph.AddSlices(node, i, 0, layout, 1, countsForImportance: false);
        }
        graph.SetLayout(node.Outputs[0], layout);
    }
}
