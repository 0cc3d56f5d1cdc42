using ModelOpt.Core.Analysis;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Engine.Planning;

/// <summary>
/// What <see cref="PipelinePlanner"/> did to one model. Costs are counted on the float graph:
/// <see cref="CostBefore"/> on the model as loaded, <see cref="CostAfter"/> after pruning and
/// before quantization, because quantized weights sit behind DequantizeLinear or integer ops
/// and their count of multiply-accumulates does not change.
/// </summary>
/// <param name="Nodes">The precision each quantizable node ended in.</param>
/// <param name="CostBefore">Parameters and MACs of the original model.</param>
/// <param name="CostAfter">Parameters and MACs after pruning.</param>
/// <param name="MagnitudePruning">Per-node sparsity, when Prune=Magnitude.</param>
/// <param name="StructuredPruning">Per-layer channel counts, when Prune=Structured.</param>
public sealed record TransformOutcome(
    IReadOnlyList<NodeQuantization> Nodes,
    ModelCostReport CostBefore,
    ModelCostReport CostAfter,
    MagnitudePruningReport? MagnitudePruning,
    StructuredPruningReport? StructuredPruning)
{
    /// <summary>
    /// The float model the quantizer rounded, when equalization rescaled channels of its values
    /// (null otherwise): per-node error compares against it, since the prefix holds those values
    /// at another scale. The mode's equalized start (or quantization-aware student), shared by
    /// every candidate of the mode and owned by the job's context: never disposed with a candidate.
    /// </summary>
    public OnnxModel? RescaledFloat { get; init; }
}
