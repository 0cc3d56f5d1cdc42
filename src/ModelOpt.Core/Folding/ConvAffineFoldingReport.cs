namespace ModelOpt.Core.Folding;

/// <summary>What <see cref="ConvAffineFoldingPass"/> did: how many constant Mul and Add nodes it folded into the Conv before them.</summary>
public sealed record ConvAffineFoldingReport(int FoldedCount);
