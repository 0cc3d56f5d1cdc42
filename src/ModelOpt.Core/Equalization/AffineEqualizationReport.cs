namespace ModelOpt.Core.Equalization;

/// <summary>What one run of <see cref="AffineEqualizationPass"/> did.</summary>
/// <param name="ConvOutputCount">How many Conv outputs had their channels spread over the whole range, the following Mul's constant taking the factors.</param>
/// <param name="ConvInputCount">How many Conv inputs had their channels equalized through the Mul/Div and Add constants that make them.</param>
public sealed record AffineEqualizationReport(int ConvOutputCount, int ConvInputCount);
