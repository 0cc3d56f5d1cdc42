namespace ModelOpt.Core.Distillation;

/// <summary>
/// What the layer-wise reconstruction before the epochs did: per layer whose input channels
/// structured pruning reduced, its held-out reconstruction error before and after the
/// least-squares solve, and the held-out worst cosine of the whole model afterwards.
/// </summary>
/// <param name="Layers">Every layer considered, in graph order.</param>
/// <param name="HeldOutWorstCosine">The gate's metric on the held-out samples after reconstruction, before any epoch.</param>
/// <param name="Seconds">Wall-clock time of the reconstruction.</param>
public sealed record ReconstructionResult(IReadOnlyList<ReconstructedLayer> Layers, double HeldOutWorstCosine, double Seconds)
{
    /// <summary>How many layers took their solved weights.</summary>
    public int ReconstructedCount => Layers.Count(l => l.Kept);
}

/// <summary>One layer of a <see cref="ReconstructionResult"/>.</summary>
/// <param name="Node">The student's node (Conv, Gemm or MatMul).</param>
/// <param name="ErrorBefore">‖teacher output − student output‖² / ‖teacher output‖² on held-out samples with the pruned weights, the inputs as the layers before left them.</param>
/// <param name="ErrorAfter">The same with the solved weights (equal to <paramref name="ErrorBefore"/> when they were not kept).</param>
/// <param name="Kept">True when the solved weights lowered the held-out error and replaced the pruned ones.</param>
public sealed record ReconstructedLayer(string Node, double ErrorBefore, double ErrorAfter, bool Kept);
