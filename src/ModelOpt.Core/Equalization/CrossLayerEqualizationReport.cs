namespace ModelOpt.Core.Equalization;

/// <summary>What one run of <see cref="CrossLayerEqualizationPass"/> did.</summary>
/// <param name="PairCount">How many pairs of Convs had their channel ranges equalized.</param>
public sealed record CrossLayerEqualizationReport(int PairCount);
