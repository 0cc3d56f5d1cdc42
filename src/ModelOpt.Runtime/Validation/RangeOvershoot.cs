namespace ModelOpt.Runtime.Validation;

/// <summary>
/// What the calibrated ranges of a statically quantized model do to one validation sample: the
/// activation that leaves its range furthest, and what clipping alone (every activation limited to
/// its range, nothing rounded) does to the float model's outputs on the sample.
/// </summary>
/// <param name="Sample">The sample's index in the validation inputs (the gate's numbering).</param>
/// <param name="SampleName">The sample's name (its file).</param>
/// <param name="Value">The activation furthest outside its range (the same name in the float and the quantized model).</param>
/// <param name="Node">The node of the float model that produces it (empty for a graph input).</param>
/// <param name="RangeMin">The lowest value its quantization grid represents.</param>
/// <param name="RangeMax">The highest value its quantization grid represents.</param>
/// <param name="SeenMin">The sample's lowest value there, in the float model.</param>
/// <param name="SeenMax">The sample's highest value there, in the float model.</param>
/// <param name="Clipped">How many of the sample's values there lie outside the range.</param>
/// <param name="Elements">How many values the activation has for this sample.</param>
/// <param name="Overshoot">How far the furthest value lies outside the range, in widths of the range (0.5: half the range again).</param>
/// <param name="ClippedCosines">
/// Per graph output, the cosine of the float model with every calibrated activation clipped to its
/// range against the float model, on this sample: the part of the quantized model's error that
/// comes from the ranges, not from rounding.
/// </param>
public sealed record RangeOvershoot(int Sample, string SampleName, string Value, string Node, double RangeMin, double RangeMax,
    double SeenMin, double SeenMax, long Clipped, long Elements, double Overshoot, IReadOnlyDictionary<string, double> ClippedCosines);
