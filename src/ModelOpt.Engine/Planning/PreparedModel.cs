using ModelOpt.Core.Analysis;
using ModelOpt.Core.Distillation;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Engine.Planning;

/// <summary>
/// The shared prefix of a job's pipeline, done once: the model as loaded, the same model folded
/// (the reference that per-node error compares against, so every Conv output has a
/// counterpart), and the folded model pruned, which every quantization candidate is cloned from.
/// The models belong to the job's <see cref="Jobs.JobContext"/>.
/// </summary>
/// <param name="Original">The model as loaded.</param>
/// <param name="Reference">The original with BatchNormalization folded (the original itself when nothing folds).</param>
/// <param name="Prefix">The reference pruned (the reference itself without pruning); never modified, only cloned.</param>
/// <param name="CostBefore">Parameters and MACs of the original.</param>
/// <param name="CostAfter">Parameters and MACs after pruning, before quantization.</param>
/// <param name="MagnitudePruning">Per-node sparsity, when Prune=Magnitude.</param>
/// <param name="StructuredPruning">Per-layer channel counts, when Prune=Structured.</param>
/// <param name="Distillation">How the pruned model was fine-tuned against the reference, when Distill=true.</param>
public sealed record PreparedModel(
    OnnxModel Original,
    OnnxModel Reference,
    OnnxModel Prefix,
    ModelCostReport CostBefore,
    ModelCostReport CostAfter,
    MagnitudePruningReport? MagnitudePruning,
    StructuredPruningReport? StructuredPruning,
    DistillationResult? Distillation = null)
{
    /// <summary>Nodes that read a weight holding NaN or infinity, kept in float by every candidate (identity, reason); warned about once.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> NonFiniteWeightNodes { get; init; } = [];
}
