namespace ModelOpt.Core.Pruning.Magnitude;

/// <summary>What happened to one prunable node's weight.</summary>
/// <param name="NodeName">The node's name (its first output's name when it has none).</param>
/// <param name="OpType">The operator, e.g. <c>Conv</c>.</param>
/// <param name="WeightName">The weight's value name; null when the node has none.</param>
/// <param name="Elements">Elements of the weight (0 when it was not pruned).</param>
/// <param name="Zeros">Elements that are zero after the pass, ones that were zero already included.</param>
/// <param name="Reason">Why the weight was left dense; null when it was pruned.</param>
public sealed record NodePruning(string NodeName, string OpType, string? WeightName, long Elements, long Zeros, string? Reason)
{
    /// <summary>The fraction of the weight's elements that are zero; 0 when it was not pruned.</summary>
    public double Sparsity => Elements == 0 ? 0 : (double)Zeros / Elements;

    /// <summary>True when the pass pruned this node's weight.</summary>
    public bool Pruned => Reason is null;
}
