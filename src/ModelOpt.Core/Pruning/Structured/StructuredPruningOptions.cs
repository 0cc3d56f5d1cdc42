using ModelOpt.Core.Passes;

namespace ModelOpt.Core.Pruning.Structured;

/// <summary>What <see cref="StructuredPruningPass"/> removes.</summary>
public sealed record StructuredPruningOptions
{
    /// <summary>Fraction of the channels removed from every prunable group, in [0, 1).</summary>
    public double Sparsity { get; init; } = 0.5;

    /// <summary>How channels are ranked; the least important are removed.</summary>
    public ChannelImportance Importance { get; init; } = ChannelImportance.L1;

    /// <summary>
    /// When above 1, the kept channel count of every group is rounded up to a multiple of this
    /// (hardware kernels run fastest on multiples of 8 or 16); a group smaller than it is kept whole.
    /// </summary>
    public int ChannelMultiple { get; init; } = 1;

    /// <summary>
    /// When true, channels that reach a graph output are pruned like any others and the output
    /// keeps its shape: the removed channels are put back as zeros (Pad, then Gather on the
    /// channel axis). Meant for feature extractors whose consumer is trained on the features
    /// (the removed features become constant); never set it for a classifier's logits. When
    /// false (the default), groups reaching an output stay whole.
    /// </summary>
    public bool PruneOutputChannels { get; init; }

    /// <summary>Nodes whose channels (in and out) must not change (ExcludeNodes, ExcludeOpTypes); their groups stay whole.</summary>
    public NodeFilter Exclusions { get; init; } = NodeFilter.None;
}
