using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// Flatten (axis 1) and Reshape to [N, −1] turn [N, C, H, W] into [N, C·H·W] in row-major
/// order, so channel c becomes features [c·H·W, (c + 1)·H·W): the next fully connected layer
/// loses H·W consecutive input features per removed channel. H·W is resolved by that layer.
/// </summary>
internal sealed class FlattenChannelHandler : IChannelOpHandler
{
    public IReadOnlyList<string> OpTypes { get; } = ["Flatten", "Reshape"];

    public void Analyze(Node node, ChannelDependencyGraph graph)
    {
        HandlerChecks.OnlyInputsCarryChannels(node, graph, 0);
        if (graph.LayoutOf(node.Inputs[0]) is not { } layout) return;
        bool flattensAfterBatch = node.OpType == "Flatten"
            ? HandlerChecks.IntAttribute(node, "axis", 1) == 1
            : node.Inputs.Count > 1 && node.Inputs[1] is { } shape && ConstantValues.TryGetTensor(graph.Model, shape) is { ElementType: ElementType.Int64, ElementCount: 2 } t
              && IsBatchThenRest(t) && HandlerChecks.IntAttribute(node, "allowzero", 0) == 0;
        if (!flattensAfterBatch || !layout.IsAxisOne || layout.Spatial != 1)
        {
            graph.MarkUnprunable(layout, $"{graph.Describe(node)} reshapes the channels other than [N, C, ...] → [N, C·...]");
            return;
        }
        graph.SetLayout(node.Outputs[0], new ChannelLayout(layout.Segments, 0, 2, layout.Rank == 2 ? 1 : -1));
    }

    private static bool IsBatchThenRest(Tensor shape)
    {
        var raw = shape.GetRawData().Span;
        long first = BitConverter.ToInt64(raw[..8]), second = BitConverter.ToInt64(raw[8..16]);
        // [0, −1] copies the batch; [1, −1] is the batch of one that exporters write out. Any
        // other first entry may split the channels themselves, so it is not trusted.
        return second == -1 && first is 0 or 1;
    }
}
