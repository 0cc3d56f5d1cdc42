namespace ModelOpt.Core.Equalization;

/// <summary>What one run of <see cref="SmoothQuantPass"/> did.</summary>
/// <param name="Normalizations">The nodes whose γ and β took the smoothing scales (LayerNormalization, or the Mul of a decomposed one), in graph order.</param>
/// <param name="ProjectionCount">How many MatMul and Gemm weights took them.</param>
public sealed record SmoothQuantReport(IReadOnlyList<string> Normalizations, int ProjectionCount);
