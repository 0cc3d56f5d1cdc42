using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Distillation;

/// <summary>
/// One fine-tuning of <see cref="Student"/> against <see cref="Teacher"/>: the distiller trains
/// the student's float initializers and writes them back into the student's graph; everything
/// else of the student (its nodes, its other tensors) stays as it was.
/// </summary>
/// <param name="Teacher">The model to imitate (the original, BatchNormalization folded); never changed.</param>
/// <param name="Student">The model to train (pruned, or the model that will be quantized); its weights are replaced.</param>
/// <param name="Training">The samples the student learns on, in their fixed order.</param>
/// <param name="TrainingLabels">One class index per training sample, or null.</param>
/// <param name="HeldOut">Samples never trained on, on which each epoch is judged (the gate's metric).</param>
/// <param name="HeldOutLabels">One class index per held-out sample, or null.</param>
/// <param name="Settings">The hyperparameters.</param>
/// <param name="Simulation">For quantization-aware fine-tuning, the quantization the forward pass simulates; null for float training.</param>
/// <param name="Progress">Receives one line per epoch ("epoch k/N: loss …, held-out worst cosine …").</param>
public sealed record DistillationRequest(
    OnnxModel Teacher,
    OnnxModel Student,
    IReadOnlyList<Sample> Training,
    IReadOnlyList<int>? TrainingLabels,
    IReadOnlyList<Sample> HeldOut,
    IReadOnlyList<int>? HeldOutLabels,
    DistillationSettings Settings,
    QuantizationSimulation? Simulation,
    Action<string> Progress);
