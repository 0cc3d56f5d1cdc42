namespace ModelOpt.Core.Pruning.Magnitude;

/// <summary>The outcome of <see cref="MagnitudePruningPass"/>: every Conv, Gemm and MatMul node, in graph order.</summary>
public sealed class MagnitudePruningReport
{
    /// <summary>Creates the report.</summary>
    public MagnitudePruningReport(IReadOnlyList<NodePruning> nodes, long prunedElements, long zeroElements)
    {
        Nodes = nodes;
        PrunedElements = prunedElements;
        ZeroElements = zeroElements;
    }

    /// <summary>Every node of a prunable operator type, pruned or not, with the reason when not.</summary>
    public IReadOnlyList<NodePruning> Nodes { get; }

    /// <summary>Elements of the pruned weights, each tensor once even when nodes share it.</summary>
    public long PrunedElements { get; }

    /// <summary>Of <see cref="PrunedElements"/>, those that are zero after the pass.</summary>
    public long ZeroElements { get; }

    /// <summary>The sparsity over all pruned weights together.</summary>
    public double Sparsity => PrunedElements == 0 ? 0 : (double)ZeroElements / PrunedElements;
}
