namespace ModelOpt.Core.Folding;

/// <summary>What one run of <see cref="HardSwishFusionPass"/> did.</summary>
/// <param name="FusedCount">How many decomposed HardSwish chains became one HardSwish node.</param>
public sealed record HardSwishFusionReport(int FusedCount);
