namespace ModelOpt.Runtime.Validation;

/// <summary>How far one intermediate value of the optimized model strays from the original's.</summary>
/// <param name="Value">The value's name (the same in both models).</param>
/// <param name="Node">The name of the node that produces it in the original model.</param>
/// <param name="OpType">That node's operator.</param>
/// <param name="Cosine">Cosine similarity over all elements of all samples used.</param>
/// <param name="MaxAbsoluteError">The largest |original - optimized|.</param>
/// <param name="MeanAbsoluteError">The mean |original - optimized|.</param>
/// <param name="Elements">Elements compared.</param>
/// <param name="LocalErrorIncrease">
/// The error this node adds, in units of 1 - cosine: (1 - <see cref="Cosine"/>) minus the largest
/// 1 - cosine of its measured inputs (graph inputs and weights count as 0). Large where the node
/// itself (its quantized weights or arithmetic) loses accuracy; near 0 or negative where it only
/// passes error on.
/// </param>
public sealed record ValueSensitivity(string Value, string Node, string OpType, double Cosine, double MaxAbsoluteError, double MeanAbsoluteError,
    long Elements, double LocalErrorIncrease);
