namespace ModelOpt.Core.Distillation;

/// <summary>
/// What quantization-aware fine-tuning simulates in the float student's forward pass, read from a
/// quantized model of the same student (<see cref="QuantizationSimulationReader"/>): the values
/// that model quantizes with calibrated ranges, the values it quantizes at run time, and the weights
/// it stores in integers. Gradients pass the rounding unchanged (the straight-through estimator,
/// Bengio et al. 2013); weights are re-rounded with their own per-channel ranges at every step.
/// </summary>
/// <param name="Activations">Float value name → its calibrated quantization (Static's QuantizeLinear).</param>
/// <param name="DynamicActivations">Float value names quantized per batch with their own range (Dynamic's DynamicQuantizeLinear: uint8, the range including 0).</param>
/// <param name="Weights">Initializer name → the integer range its weights are stored in, symmetric per output channel (the scales are recomputed from the trained weights).</param>
public sealed record QuantizationSimulation(
    IReadOnlyDictionary<string, FakeQuantization> Activations,
    IReadOnlySet<string> DynamicActivations,
    IReadOnlyDictionary<string, FakeQuantization> Weights)
{
    /// <summary>Nothing simulated.</summary>
    public bool IsEmpty => Activations.Count == 0 && DynamicActivations.Count == 0 && Weights.Count == 0;
}
