using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>
/// Activations and pools compute each channel from the same channel alone, so their output
/// carries the input's channels unchanged. Clip's min and max are scalars, which is why only
/// input 0 may carry channels.
/// </summary>
internal sealed class UnaryChannelHandler : IChannelOpHandler
{
    public IReadOnlyList<string> OpTypes { get; } =
    [
        "Relu", "Clip", "HardSwish", "HardSigmoid", "Sigmoid", "LeakyRelu", "Tanh", "Elu", "Selu", "Softplus",
        "Softsign", "Mish", "Gelu", "Erf", "Neg", "Abs", "Identity", "Dropout", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "LpPool", "GlobalLpPool", "ThresholdedRelu", "Celu",
    ];

    public void Analyze(Node node, ChannelDependencyGraph graph)
    {
        HandlerChecks.OnlyInputsCarryChannels(node, graph, 0);
        if (graph.LayoutOf(node.Inputs[0]) is not { } layout) return;
        if (!HandlerChecks.OnlyFirstOutputRead(node, graph, layout)) return;
        // Pools slide over the axes after the channel axis; a flattened or channel-last tensor would put channels there.
        bool pool = node.OpType.Contains("Pool", StringComparison.Ordinal);
        if (pool && (!layout.IsAxisOne || layout.Spatial != 1))
        {
            graph.MarkUnprunable(layout, $"{graph.Describe(node)} pools a tensor whose channels are not on axis 1");
            return;
        }
        graph.SetLayout(node.Outputs[0], layout);
    }
}
