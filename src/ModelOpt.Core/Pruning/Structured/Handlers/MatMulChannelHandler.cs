using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// MatMul with a constant 2-D B [K, N] (a fully connected layer as exporters write it, the bias
/// in a following Add): A's last axis is B's K axis, the output's units a new space on B's N axis.
/// </summary>
internal sealed class MatMulChannelHandler : IChannelOpHandler
{
    public IReadOnlyList<string> OpTypes { get; } = ["MatMul"];

    public void Analyze(Node node, ChannelDependencyGraph graph)
    {
        HandlerChecks.OnlyInputsCarryChannels(node, graph, 0);
        var input = graph.LayoutOf(node.Inputs[0]);
        var b = graph.FloatConstant(node, 1);
        if (b is not { Dims.Count: 2 })
        {
            if (input is not null) graph.MarkUnprunable(input, $"{graph.Describe(node)} has no constant 2-D weight");
            return;
        }
        if (input is not null) SliceInputUnits(node, graph, input, (int)b.Dims[0], 0);
        int units = (int)b.Dims[1];
        int? rank = node.Inputs[0] is { } a ? Graphs.ValueTypes.RankOf(a) : null;
        var layout = new ChannelLayout([new ChannelSegment(graph.NewSpace(node, units), units)], 0, rank, 1);
        graph.AddSlices(node, 1, 1, layout, 1, countsForImportance: true);
        graph.SetLayout(node.Outputs[0], layout);
    }

    /// <summary>
    /// Records the slices of the input units along <paramref name="kAxis"/> of weight input 1,
    /// resolving a flattened layout's features per channel from <paramref name="k"/>.
    /// </summary>
    public static void SliceInputUnits(Node node, ChannelDependencyGraph graph, ChannelLayout input, int k, int kAxis)
    {
        int spatial = input.Spatial;
        if (spatial < 0 && input.Channels > 0 && k % input.Channels == 0) spatial = k / input.Channels;
        if (input.AxisFromEnd != 0 || spatial <= 0 || input.Channels * spatial != k)
        {
            graph.MarkUnprunable(input, $"{graph.Describe(node)} reads {input.Channels} channels that do not map onto its {k} input features");
            return;
        }
        graph.AddSlices(node, 1, kAxis, input, spatial, countsForImportance: true);
    }
}
