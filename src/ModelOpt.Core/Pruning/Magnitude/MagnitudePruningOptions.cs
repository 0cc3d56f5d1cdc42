using ModelOpt.Core.Passes;

namespace ModelOpt.Core.Pruning.Magnitude;

/// <summary>How <see cref="MagnitudePruningPass"/> prunes.</summary>
public sealed record MagnitudePruningOptions
{
    /// <summary>
    /// The fraction of weight elements set to zero, in [0, 1]: per tensor with
    /// <see cref="PruneScope.Layer"/>, over all pruned tensors together with <see cref="PruneScope.Global"/>.
    /// </summary>
    public double Sparsity { get; init; } = 0.5;

    /// <summary>Per-layer (the default) or global magnitude ranking.</summary>
    public PruneScope Scope { get; init; } = PruneScope.Layer;

    /// <summary>Nodes left dense (ExcludeNodes, ExcludeOpTypes), as every pass reads them.</summary>
    public NodeFilter Exclusions { get; init; } = NodeFilter.None;
}
