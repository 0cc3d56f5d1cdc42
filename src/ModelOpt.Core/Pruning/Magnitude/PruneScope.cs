namespace ModelOpt.Core.Pruning.Magnitude;

/// <summary>Where <see cref="MagnitudePruningPass"/> applies the sparsity target.</summary>
public enum PruneScope
{
    /// <summary>Every weight tensor loses the same fraction of its elements, its own smallest.</summary>
    Layer,

    /// <summary>
    /// The smallest weights of all pruned tensors together go, so layers with many small weights
    /// lose more than layers with few (Han et al., 2015, "Learning both Weights and Connections").
    /// </summary>
    Global,
}
