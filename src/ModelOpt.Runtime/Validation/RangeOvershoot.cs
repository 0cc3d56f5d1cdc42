namespace ModelOpt.Runtime.Validation;

/// <summary>
/// The activation of one validation sample that reaches furthest beyond the range its
/// <c>QuantizeLinear</c> represents: there the quantized model clips, whatever its rounding.
/// </summary>
/// <param name="Sample">The sample's index in the validation inputs (the gate's numbering).</param>
/// <param name="SampleName">The sample's name (its file).</param>
/// <param name="Value">The activation's name (the same in the float and the quantized model).</param>
/// <param name="Node">The node of the float model that produces it (empty for a graph input).</param>
/// <param name="RangeMin">The lowest value the quantization grid represents.</param>
/// <param name="RangeMax">The highest value the quantization grid represents.</param>
/// <param name="SeenMin">The sample's lowest value there, in the float model.</param>
/// <param name="SeenMax">The sample's highest value there, in the float model.</param>
/// <param name="Clipped">How many of the sample's values there lie outside the range.</param>
/// <param name="Elements">How many values the activation has for this sample.</param>
/// <param name="Overshoot">How far the furthest value lies outside the range, in widths of the range (0.5: half the range again).</param>
public sealed record RangeOvershoot(int Sample, string SampleName, string Value, string Node, double RangeMin, double RangeMax,
    double SeenMin, double SeenMax, long Clipped, long Elements, double Overshoot);
