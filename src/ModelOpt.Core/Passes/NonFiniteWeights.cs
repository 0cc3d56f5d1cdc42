using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Passes;

/// <summary>
/// Finds the nodes that read a FLOAT constant holding NaN or infinity. Such a tensor has no
/// quantization scale (and a pruning rank of NaN), so these nodes are kept in float through the
/// one <see cref="NodeFilter"/> every pass asks, with a warning naming each, instead of the
/// whole model failing: one damaged layer should not stop a build that can ship the rest.
/// </summary>
public static class NonFiniteWeights
{
    /// <summary>
    /// Each node (in graph order, one per <see cref="NodeFilter.IdentityOf"/>) that reads a
    /// non-finite FLOAT constant, with the reason it stays in float: the tensor, the value and
    /// where it is. Reads every FLOAT constant once.
    /// </summary>
    public static IReadOnlyList<(Node Node, string Reason)> Find(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var found = new List<(Node, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // A weight several nodes read is scanned once.
        var scanned = new Dictionary<Tensor, string?>(ReferenceEqualityComparer.Instance);
        foreach (var node in model.Graph.AllNodes())
        {
            foreach (var input in node.Inputs)
            {
                if (input is null || ConstantValues.TryGetTensor(model, input) is not { ElementType: ElementType.Float, ElementCount: > 0 } tensor) continue;
                if (!scanned.TryGetValue(tensor, out string? problem))
                {
                    var values = tensor.ToFloatArray();
                    int bad = WeightQuantizer.IndexOfNonFinite(values);
                    problem = bad < 0 ? null : string.Create(CultureInfo.InvariantCulture, $"{values[bad]} at element {bad}");
                    scanned.Add(tensor, problem);
                }
                if (problem is null) continue;
                if (!seen.Add(NodeFilter.IdentityOf(node))) break;
                found.Add((node, $"kept in float: its weight '{input.Name}' holds {problem}, and a tensor with NaN or infinity has no quantization scale"));
                break;
            }
        }
        return found;
    }
}
