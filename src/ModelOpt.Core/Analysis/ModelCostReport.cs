namespace ModelOpt.Core.Analysis;

/// <summary>What <see cref="ModelCost.Measure"/> found: totals and the cost of every counted node.</summary>
public sealed class ModelCostReport
{
    /// <summary>Creates the report.</summary>
    public ModelCostReport(long parameters, long macs, IReadOnlyList<NodeCost> nodes, IReadOnlyList<string> unknownNodes)
    {
        Parameters = parameters;
        Macs = macs;
        Nodes = nodes;
        UnknownNodes = unknownNodes;
    }

    /// <summary>Elements of the constant weights and biases of the counted nodes, each tensor once even when nodes share it.</summary>
    public long Parameters { get; }

    /// <summary>Multiply-accumulates of one run, summed over the nodes whose shapes are known.</summary>
    public long Macs { get; }

    /// <summary>Every Conv, ConvTranspose, Gemm and MatMul node, in graph order (subgraphs after their parent node).</summary>
    public IReadOnlyList<NodeCost> Nodes { get; }

    /// <summary>Nodes whose MACs are not in <see cref="Macs"/> because a shape they need is unknown, each with the reason.</summary>
    public IReadOnlyList<string> UnknownNodes { get; }

    /// <summary>True when every counted node's MACs are known, so <see cref="Macs"/> is the whole model's.</summary>
    public bool IsComplete => UnknownNodes.Count == 0;
}
