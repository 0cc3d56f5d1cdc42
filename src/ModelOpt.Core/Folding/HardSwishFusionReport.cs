namespace ModelOpt.Core.Folding;

/// <summary>What one run of <see cref="HardSwishFusionPass"/> did.</summary>
/// <param name="FusedCount">How many written-out HardSwish chains (decomposed, or a Mul by its HardSigmoid) became one HardSwish node.</param>
public sealed record HardSwishFusionReport(int FusedCount);
