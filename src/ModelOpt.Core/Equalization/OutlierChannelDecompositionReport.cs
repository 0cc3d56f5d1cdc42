namespace ModelOpt.Core.Equalization;

/// <summary>What one run of <see cref="OutlierChannelDecompositionPass"/> did.</summary>
/// <param name="Values">The values whose outlier channels left the quantized product, in graph order.</param>
/// <param name="FloatNodes">The nodes the decomposition added, which must stay in float (their names).</param>
public sealed record OutlierChannelDecompositionReport(IReadOnlyList<DecomposedValue> Values, IReadOnlyList<string> FloatNodes);

/// <summary>One decomposed value.</summary>
/// <param name="Value">Its name.</param>
/// <param name="Channels">The outlier channels, ascending.</param>
/// <param name="Projections">The MatMul and Gemm nodes that read it.</param>
public sealed record DecomposedValue(string Value, IReadOnlyList<int> Channels, IReadOnlyList<string> Projections);
