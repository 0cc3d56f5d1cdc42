namespace ModelOpt.Core.Folding;

/// <summary>What one run of <see cref="BatchNormFoldingPass"/> did.</summary>
/// <param name="FoldedCount">How many BatchNormalization nodes were folded into the Conv before them.</param>
public sealed record BatchNormFoldingReport(int FoldedCount);
