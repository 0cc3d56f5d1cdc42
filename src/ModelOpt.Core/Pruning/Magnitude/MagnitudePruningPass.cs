using System.Globalization;
using ModelOpt.Core.Analysis;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Magnitude;

/// <summary>
/// Unstructured magnitude pruning: sets the smallest-magnitude elements of the constant weights of
/// Conv, Gemm and MatMul nodes to zero until the requested fraction is zero (Han et al., 2015,
/// "Learning both Weights and Connections for Efficient Neural Networks"; L1 criterion). The
/// tensors stay dense and keep their shape: nothing runs faster, but long runs of zero bytes
/// compress well (Brotli) and quantize to the zero point, which is what the build exploits.
/// </summary>
/// <remarks>
/// A weight is pruned only when every reader is a pruned node reading it as its weight: a weight
/// that an excluded node, another operator or a graph output also reads would change that
/// computation too, and an initializer that is also a graph input can be replaced at run time.
/// Such nodes are reported with the reason. Elements of equal magnitude are pruned in tensor
/// order, then index order, so exactly <c>round(sparsity · elements)</c> elements are zero per
/// tensor (or over all tensors with <see cref="PruneScope.Global"/>) and the result is the same
/// bytes every run. NaN ranks above every number, so it is never pruned before a number is.
/// </remarks>
public sealed class MagnitudePruningPass : IModelPass<MagnitudePruningReport>
{
    /// <summary>Creates the pass; <paramref name="options"/> defaults to 50 % per layer.</summary>
    public MagnitudePruningPass(MagnitudePruningOptions? options = null)
    {
        Options = options ?? new MagnitudePruningOptions();
        if (!(Options.Sparsity >= 0 && Options.Sparsity <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.Sparsity, "Sparsity must be in [0, 1].");
        }
    }

    /// <inheritdoc/>
    public string Name => "MagnitudePruning";

    /// <summary>The options the pass runs with.</summary>
    public MagnitudePruningOptions Options { get; }

    /// <summary>None: pruning changes weights, not operators.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<MagnitudePruningReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var candidates = new List<(Node Node, Value? Weight, string? Reason)>();
        foreach (var node in model.Graph.AllNodes())
        {
            if (node.Domain is not ("" or "ai.onnx") || node.OpType is not ("Conv" or "Gemm" or "MatMul")) continue;
            int index = ModelCost.WeightIndex(model, node);
            var weight = index < node.Inputs.Count ? node.Inputs[index] : null;
            candidates.Add((node, weight, Options.Exclusions.Exclusion(node) ?? WeightProblem(model, node, weight)));
        }

        // A weight is ours only if all its readers are accepted nodes reading it as their weight.
        var accepted = candidates.Where(c => c.Reason is null).Select(c => c.Node).ToHashSet();
        for (int i = 0; i < candidates.Count; i++)
        {
            var (node, weight, reason) = candidates[i];
            if (reason is not null) continue;
            var other = weight!.Uses.FirstOrDefault(u => !accepted.Contains(u.Node) || u.Node.Inputs[ModelCost.WeightIndex(model, u.Node)] != weight);
            if (other.Node is not null)
            {
                candidates[i] = (node, weight, $"its weight '{weight.Name}' is also read by {PassErrors.Describe(other.Node, model)} (input {other.InputIndex}), which is not pruned");
            }
        }

        // Each pruned tensor once, in order of first use, so Global ranks ties the same way every run.
        var weights = candidates.Where(c => c.Reason is null).Select(c => c.Weight!).Distinct().ToList();
        var values = weights.Select(w => ConstantValues.TryGetTensor(model, w)!.ToFloatArray()).ToList();
        bool changed = false;
        if (Options.Scope == PruneScope.Global) changed = MagnitudeRanking.ZeroSmallest(values, Options.Sparsity);
        else foreach (var tensor in values) changed |= MagnitudeRanking.ZeroSmallest([tensor], Options.Sparsity);

        var zeros = new Dictionary<Value, long>();
        for (int i = 0; i < weights.Count; i++)
        {
            var owner = candidates.First(c => c.Weight == weights[i] && c.Reason is null).Node;
            int tensorIndex = i;
            PassErrors.OnNode(this, model, owner, () => Store(model, weights[tensorIndex], values[tensorIndex]));
            zeros[weights[i]] = values[i].LongCount(v => v == 0f);
        }

        var nodes = candidates.Select(c => c.Reason is null
            ? new NodePruning(NodeFilter.IdentityOf(c.Node), c.Node.OpType, c.Weight!.Name, ConstantValues.TryGetTensor(model, c.Weight)!.ElementCount, zeros[c.Weight], null)
            : new NodePruning(NodeFilter.IdentityOf(c.Node), c.Node.OpType, c.Weight?.Name, 0, 0, c.Reason)).ToArray();
        return PassResult.Create(this, changed, new MagnitudePruningReport(nodes, values.Sum(v => (long)v.Length), zeros.Values.Sum()));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    private static string? WeightProblem(OnnxModel model, Node node, Value? weight)
    {
        if (weight is null) return "it has no weight input";
        var tensor = ConstantValues.TryGetTensor(model, weight);
        if (tensor is null)
        {
            return weight.Initializer is not null
                ? $"its weight '{weight.Name}' is also a graph input, so callers may replace it at run time"
                : $"its weight input '{weight.Name}' is computed at run time (not an initializer or Constant)";
        }
        if (tensor.ElementType != ElementType.Float)
        {
            return $"its weight '{weight.Name}' is {ElementTypes.OnnxName(tensor.ElementType)}; only FLOAT weights are pruned";
        }
        // A vector (a MatMul by a 1-D tensor, a Conv with a malformed weight) is no layer's weight matrix.
        int minRank = node.OpType == "Conv" ? 3 : 2;
        if (tensor.Dims.Count < minRank || node.OpType == "Gemm" && tensor.Dims.Count != 2)
        {
            return string.Create(CultureInfo.InvariantCulture, $"its weight '{weight.Name}' has rank {tensor.Dims.Count}, not a {node.OpType} weight");
        }
        if (tensor.ElementCount == 0) return $"its weight '{weight.Name}' is empty";
        if (GraphEdits.IsGraphOutput(model, weight)) return $"its weight '{weight.Name}' is also a graph output";
        return null;
    }

    /// <summary>Replaces the weight's data: the initializer's tensor, or the Constant node's <c>value</c>.</summary>
    private static bool Store(OnnxModel model, Value weight, float[] values)
    {
        var old = ConstantValues.TryGetTensor(model, weight)!;
        var pruned = Tensor.FromFloats(old.Name, [.. old.Dims], values);
        if (weight.Initializer is not null)
        {
            weight.Initializer = pruned;
        }
        else
        {
            // WeightProblem accepted only dense tensors of rank ≥ 2, which a Constant holds in "value".
            weight.Producer!.GetAttribute("value")!.Tensor = pruned;
        }
        return true;
    }
}
