using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// Conv (ONNX Operators.md, Conv): W is [M, C/group, kH, kW]. With group 1 the input channels
/// are W's axis 1 and the output channels, a new space, W's axis 0 and B. A depthwise conv
/// (group = C = M, one filter per channel) computes channel m from input channel m alone, so
/// its output keeps its input's channels: W's axis 0 and B follow, and group follows the count.
/// Other grouped convs (1 &lt; group, not depthwise) compute each group's M/group outputs from
/// its C/group inputs: their outputs are a new space pruned evenly per group (so group stays
/// and every group keeps the same count), and their input channels are tied with period C/group
/// (channel c and c + C/group feed the same weight column), so every group loses the same columns.
/// </summary>
internal sealed class ConvChannelHandler : IChannelOpHandler
{
    public IReadOnlyList<string> OpTypes { get; } = ["Conv"];

    public void Analyze(Node node, ChannelDependencyGraph graph)
    {
        HandlerChecks.OnlyInputsCarryChannels(node, graph, 0);
        var input = graph.LayoutOf(node.Inputs[0]);
        var w = graph.FloatConstant(node, 1);
        var b = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        bool biasOk = b is null || graph.FloatConstant(node, 2) is { Dims.Count: 1 };
        if (w is null || w.Dims.Count < 3 || !biasOk)
        {
            if (input is not null) graph.MarkUnprunable(input, $"{graph.Describe(node)} has a weight or bias that is not a FLOAT constant");
            return;
        }
        int rank = w.Dims.Count;
        int outChannels = (int)w.Dims[0];
        long group = HandlerChecks.IntAttribute(node, "group", 1);
        if (group == 1)
        {
            if (input is not null)
            {
                if (input.Spatial != 1 || input.AxisFromEnd != rank - 2 || input.Channels != w.Dims[1])
                {
                    graph.MarkUnprunable(input, $"{graph.Describe(node)} reads channels whose layout does not match its weight");
                }
                else
                {
                    graph.AddSlices(node, 1, 1, input, 1, countsForImportance: true);
                }
            }
            var layout = new ChannelLayout([new ChannelSegment(graph.NewSpace(node, outChannels), outChannels)], rank - 2, rank, 1);
            graph.AddSlices(node, 1, 0, layout, 1, countsForImportance: true);
            if (b is not null) graph.AddSlices(node, 2, 0, layout, 1, countsForImportance: false);
            graph.SetLayout(node.Outputs[0], layout);
            return;
        }
        if (input is not null && w.Dims[1] == 1 && group == outChannels && input.Channels == group && input.Spatial == 1 && input.AxisFromEnd == rank - 2)
        {
            graph.AddSlices(node, 1, 0, input, 1, countsForImportance: true);
            if (b is not null) graph.AddSlices(node, 2, 0, input, 1, countsForImportance: false);
            graph.Depthwise.Add(node);
            graph.SetLayout(node.Outputs[0], input);
            return;
        }
        if (outChannels % group != 0 || (input is not null && input.Channels != w.Dims[1] * group))
        {
            if (input is not null) graph.MarkUnprunable(input, $"{graph.Describe(node)} is a grouped convolution (group={group}) whose weight does not match its input channels");
            return;
        }
        if (input is not null)
        {
            int perGroup = (int)w.Dims[1];
            if (input.Segments.Count != 1 || input.Spatial != 1 || input.AxisFromEnd != rank - 2)
            {
                graph.MarkUnprunable(input, $"{graph.Describe(node)} is a grouped convolution (group={group}) whose input is not one channel space on axis 1");
            }
            else
            {
                // Input channel c feeds column c mod C/group of every group's filters.
                graph.TiePeriod(input.Segments[0].Space, perGroup, node);
                graph.AddSlices(node, 1, 1, input, 1, countsForImportance: true, period: perGroup);
            }
        }
        var grouped = new ChannelLayout([new ChannelSegment(graph.NewSpace(node, outChannels, (int)group), outChannels)], rank - 2, rank, 1);
        graph.AddSlices(node, 1, 0, grouped, 1, countsForImportance: true);
        if (b is not null) graph.AddSlices(node, 2, 0, grouped, 1, countsForImportance: false);
        graph.SetLayout(node.Outputs[0], grouped);
    }
}
