using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// Gemm (ONNX Operators.md, Gemm): Y = A·B + C with B [K, N] (or [N, K] when transB). The hidden
/// units of A are B's K axis; Y's units, a new space, are B's N axis and C when C is per unit.
/// After Flatten each channel owns K / channels consecutive features (H·W of the flattened map).
/// </summary>
internal sealed class GemmChannelHandler : IChannelOpHandler
{
    public IReadOnlyList<string> OpTypes { get; } = ["Gemm"];

    public void Analyze(Node node, ChannelDependencyGraph graph)
    {
        HandlerChecks.OnlyInputsCarryChannels(node, graph, 0);
        var input = graph.LayoutOf(node.Inputs[0]);
        var b = graph.FloatConstant(node, 1);
        bool transA = HandlerChecks.IntAttribute(node, "transA", 0) != 0;
        bool transB = HandlerChecks.IntAttribute(node, "transB", 0) != 0;
        if (b is not { Dims.Count: 2 } || transA)
        {
            if (input is not null) graph.MarkUnprunable(input, $"{graph.Describe(node)} has no constant 2-D B or transposes A");
            return;
        }
        int kAxis = transB ? 1 : 0, nAxis = transB ? 0 : 1;
        if (input is not null) MatMulChannelHandler.SliceInputUnits(node, graph, input, (int)b.Dims[kAxis], kAxis);

        int units = (int)b.Dims[nAxis];
        var layout = new ChannelLayout([new ChannelSegment(graph.NewSpace(node, units), units)], 0, 2, 1);
        graph.AddSlices(node, 1, nAxis, layout, 1, countsForImportance: true);
        if (node.Inputs.Count > 2 && node.Inputs[2] is not null)
        {
            var c = graph.FloatConstant(node, 2);
            if (c is null) graph.MarkUnprunable(layout, $"{graph.Describe(node)} has a bias C that is not a FLOAT constant");
            else if (c.Dims.Count > 0 && c.Dims[^1] == units && units > 1 && c.ElementCount == units) graph.AddSlices(node, 2, c.Dims.Count - 1, layout, 1, false);
            else if (c.ElementCount != 1) graph.MarkUnprunable(layout, $"{graph.Describe(node)} has a bias C of a shape that is not per unit");
        }
        graph.SetLayout(node.Outputs[0], layout);
    }
}
