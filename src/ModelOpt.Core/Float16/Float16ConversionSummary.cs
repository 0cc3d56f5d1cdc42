namespace ModelOpt.Core.Float16;

/// <summary>Totals of one <see cref="Float16ConversionPass"/> run, beside the per-node report.</summary>
/// <param name="ConvertedTensors">FLOAT initializers and constants stored as FLOAT16 now (copies included).</param>
/// <param name="Rounding">Values of those tensors clamped to ±65504 or flushed to zero, summed.</param>
/// <param name="InsertedCasts">Cast nodes the pass added (model boundaries, FLOAT islands) and kept after clean-up.</param>
/// <param name="RemovedCasts">Cast nodes that became redundant (same type on both sides, or a lossless widening followed by another cast) and were removed.</param>
public sealed record Float16ConversionSummary(int ConvertedTensors, Float16Rounding Rounding, int InsertedCasts, int RemovedCasts);
