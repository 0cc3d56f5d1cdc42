namespace ModelOpt.Core.Folding;

/// <summary>What one run of <see cref="ChannelAffineFusionPass"/> did.</summary>
/// <param name="FusedCount">How many <c>Mul</c>-then-<c>Add</c> pairs by per-channel constants became one BatchNormalization.</param>
public sealed record ChannelAffineFusionReport(int FusedCount);
