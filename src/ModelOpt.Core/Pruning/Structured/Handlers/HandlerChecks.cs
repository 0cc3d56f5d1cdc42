using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured.Handlers;

/// <summary>Checks several handlers make the same way.</summary>
internal static class HandlerChecks
{
    /// <summary>
    /// Marks unprunable the channels of every input of <paramref name="node"/> other than
    /// <paramref name="handled"/>: those inputs (weights, shapes, scalars) are expected to be
    /// constants, and a channel-carrying tensor there is a use the handler does not model.
    /// </summary>
    public static void OnlyInputsCarryChannels(Node node, ChannelDependencyGraph graph, params int[] handled)
    {
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (Array.IndexOf(handled, i) >= 0) continue;
            if (graph.LayoutOf(node.Inputs[i]) is { } layout)
            {
                graph.MarkUnprunable(layout, $"{graph.Describe(node)} reads channels at input {i}, where a constant is expected");
            }
        }
    }

    /// <summary>
    /// True when only output 0 of <paramref name="node"/> is read: extra outputs (MaxPool indices,
    /// Dropout masks, BatchNormalization running statistics) carry channel positions or counts
    /// the handlers do not rewrite.
    /// </summary>
    public static bool OnlyFirstOutputRead(Node node, ChannelDependencyGraph graph, ChannelLayout layout)
    {
        for (int i = 1; i < node.Outputs.Count; i++)
        {
            if (node.Outputs[i] is { } extra && (extra.Uses.Count > 0 || graph.Model.Graph.Outputs.Contains(extra)))
            {
                graph.MarkUnprunable(layout, $"{graph.Describe(node)} has its output {i} read, which the channel dependency graph does not rewrite");
                return false;
            }
        }
        return true;
    }

    /// <summary>The <c>int</c> attribute <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static long IntAttribute(Node node, string name, long fallback) => node.GetAttribute(name)?.Int ?? fallback;
}
