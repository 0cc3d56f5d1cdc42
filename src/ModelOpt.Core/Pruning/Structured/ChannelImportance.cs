namespace ModelOpt.Core.Pruning.Structured;

/// <summary>How a channel's importance is measured over the weights of its coupled group.</summary>
public enum ChannelImportance
{
    /// <summary>Sum of absolute weights (Li et al. 2017, "Pruning Filters for Efficient ConvNets").</summary>
    L1,

    /// <summary>Euclidean norm of the weights.</summary>
    L2,
}
