using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// Removes the casts a precision change leaves redundant, until none is left: a Cast whose input
/// already has the target type (a FLOAT → FLOAT Cast that became FLOAT16 → FLOAT16), a lossless
/// widening (FLOAT16 → FLOAT, FLOAT16 or FLOAT → DOUBLE) whose readers are Casts, which then read
/// the narrower value directly (so FLOAT16 → FLOAT → FLOAT16 disappears), and two Casts of one
/// value to one type in the same graph. A Cast that produces a graph output keeps its value, as
/// an Identity when its types agree, so output names never change.
/// </summary>
internal sealed class CastCleanup(OnnxModel model, IReadOnlyDictionary<Value, ElementType> types)
{
    /// <summary>How many Cast nodes were removed or turned into Identity.</summary>
    public int Removed { get; private set; }

    /// <summary>Cleans every Cast of the model; returns the Cast nodes that were removed.</summary>
    public HashSet<Node> Run()
    {
        var removed = new HashSet<Node>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var graph in model.Graph.AllGraphs().ToArray())
            {
                foreach (var cast in graph.Nodes.Where(IsCast).ToArray())
                {
                    if (cast.Graph is null) continue;
                    if (TrySimplify(cast, removed)) changed = true;
                }
                if (MergeDuplicates(graph, removed)) changed = true;
            }
        }
        return removed;
    }

    private static bool IsCast(Node node)
        => node.OpType == "Cast" && node.Domain is "" or "ai.onnx" && node.Inputs.Count == 1 && node.Outputs.Count == 1
           && node.Inputs[0] is not null && node.Outputs[0] is not null && node.GetAttribute("to") is not null;

    private ElementType TypeOf(Value value) => types.GetValueOrDefault(value);

    private static ElementType Target(Node cast) => TypeAttributes.Read(cast.GetAttribute("to")!);

    private bool TrySimplify(Node cast, HashSet<Node> removed)
    {
        var input = cast.Inputs[0]!;
        var output = cast.Outputs[0]!;
        var source = TypeOf(input);
        var target = Target(cast);
        if (source == ElementType.Undefined || target == ElementType.Undefined) return false;

        if (source == target)
        {
            if (GraphEdits.IsGraphOutput(model, output))
            {
                // The output's name is part of the graph's interface; an Identity keeps it.
                cast.OpType = "Identity";
                cast.Attributes.Clear();
            }
            else
            {
                output.ReplaceAllUsesWith(input);
                cast.Graph!.RemoveNode(cast);
                removed.Add(cast);
            }
            Removed++;
            return true;
        }

        if (!IsLosslessWidening(source, target)) return false;
        bool rewired = false;
        foreach (var use in output.Uses.ToArray())
        {
            if (IsCast(use.Node))
            {
                use.Node.SetInput(0, input);
                rewired = true;
            }
        }
        if (rewired && GraphEdits.IsUnused(model, output))
        {
            cast.Graph!.RemoveNode(cast);
            removed.Add(cast);
            Removed++;
        }
        return rewired;
    }

    /// <summary>True when every value of <paramref name="source"/> is exactly representable in <paramref name="target"/>.</summary>
    private static bool IsLosslessWidening(ElementType source, ElementType target)
        => (source, target) is (ElementType.Float16, ElementType.Float) or (ElementType.Float16, ElementType.Double) or (ElementType.Float, ElementType.Double);

    /// <summary>Casts of one value to one type in one graph: the first serves the readers of the others.</summary>
    private bool MergeDuplicates(Graph graph, HashSet<Node> removed)
    {
        var first = new Dictionary<(Value, ElementType), Node>();
        bool changed = false;
        foreach (var cast in graph.Nodes.Where(IsCast).ToArray())
        {
            var key = (cast.Inputs[0]!, Target(cast));
            if (!first.TryGetValue(key, out var kept))
            {
                first.Add(key, cast);
                continue;
            }
            var output = cast.Outputs[0]!;
            if (GraphEdits.IsGraphOutput(model, output)) continue;
            output.ReplaceAllUsesWith(kept.Outputs[0]!);
            graph.RemoveNode(cast);
            removed.Add(cast);
            Removed++;
            changed = true;
        }
        return changed;
    }
}
