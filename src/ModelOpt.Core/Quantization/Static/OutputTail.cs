using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// The part of the main graph after the last layers with weights: the nodes without weights
/// whose results go only towards graph outputs (reshapes and transposes of detection heads,
/// Concat of their anchors, a Resize of a dense map, the Sigmoid of a probability map and the
/// comparisons of a peak search). Static quantization keeps it in float, and the last weighted
/// layers write float: rounding there to 8 bits changes the model's answers directly (a score
/// logit, a box offset) and, before a Sigmoid, MaxPool and Equal that find local maxima, creates
/// ties the float model never has. Nothing is gained by quantizing it: its integer kernels would
/// only move data that is then dequantized for the output.
/// </summary>
internal sealed class OutputTail
{
    private static readonly HashSet<string> WeightedOps = ["Conv", "ConvTranspose", "MatMul", "Gemm"];

    private readonly HashSet<Node> _nodes = [];

    private OutputTail()
    {
    }

    /// <summary>Whether <paramref name="node"/> belongs to the tail.</summary>
    public bool Contains(Node node) => _nodes.Contains(node);

    /// <summary>Whether every reader of <paramref name="value"/> is in the tail or the graph's output (so it is written in float).</summary>
    public bool FeedsOnlyTail(OnnxModel model, Value value)
    {
        bool any = GraphEdits.IsGraphOutput(model, value);
        foreach (var use in value.Uses)
        {
            if (!_nodes.Contains(use.Node)) return false;
            any = true;
        }
        return any;
    }

    /// <summary>The tail of <paramref name="model"/>'s main graph.</summary>
    public static OutputTail Of(OnnxModel model)
    {
        var tail = new OutputTail();
        var graph = model.Graph;
        // Reverse graph order: every reader of a node's outputs is decided before the node.
        for (int i = graph.Nodes.Count - 1; i >= 0; i--)
        {
            var node = graph.Nodes[i];
            if (WeightedOps.Contains(node.OpType) || node.Domain is not ("" or "ai.onnx")) continue;
            bool any = false, onlyTail = true;
            foreach (var output in node.Outputs)
            {
                if (output is null) continue;
                if (GraphEdits.IsGraphOutput(model, output)) any = true;
                foreach (var use in output.Uses)
                {
                    if (use.Node.Graph != graph || !tail._nodes.Contains(use.Node)) onlyTail = false;
                    else any = true;
                }
            }
            if (any && onlyTail) tail._nodes.Add(node);
        }
        return tail;
    }
}
