using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Analysis;

/// <summary>
/// Finds a cycle in a model's graphs: ONNX graphs must be acyclic (IR.md, "Graphs"), and the
/// reader accepts nodes in any order, so a cycle would otherwise surface late, as ONNX Runtime
/// rejecting the optimized model. Kahn's algorithm, O(nodes + edges), no recursion.
/// </summary>
public static class GraphCycles
{
    /// <summary>The nodes of one cycle, in reading order (<c>a → b → a</c>), or null when every graph is acyclic.</summary>
    public static string? Describe(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var graph in model.Graph.AllGraphs())
        {
            if (Find(graph) is { } cycle) return string.Join(" → ", cycle.Append(cycle[0]).Select(n => n.ToString()));
        }
        return null;
    }

    private static List<Node>? Find(Graph graph)
    {
        // Edges within this graph only: a subgraph's reads of outer values cannot close a cycle here.
        var waiting = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Nodes)
        {
            waiting[node] = node.Inputs.Count(i => i?.Producer is { } producer && producer.Graph == graph);
        }
        var ready = new Queue<Node>(waiting.Where(p => p.Value == 0).Select(p => p.Key));
        while (ready.TryDequeue(out var node))
        {
            waiting.Remove(node);
            foreach (var output in node.Outputs)
            {
                if (output is null) continue;
                foreach (var use in output.Uses)
                {
                    if (waiting.TryGetValue(use.Node, out int left) && use.Node.Graph == graph)
                    {
                        waiting[use.Node] = left - 1;
                        if (left == 1) ready.Enqueue(use.Node);
                    }
                }
            }
        }
        if (waiting.Count == 0) return null;

        // Every node left waits on another node left: walk producers until one repeats.
        var start = graph.Nodes.First(waiting.ContainsKey);
        var path = new List<Node>();
        var onPath = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (var current = start; !onPath.ContainsKey(current);)
        {
            onPath[current] = path.Count;
            path.Add(current);
            current = current.Inputs.Select(i => i?.Producer).First(p => p is not null && waiting.ContainsKey(p))!;
            if (onPath.TryGetValue(current, out int from))
            {
                // Reading order: producers first.
                var cycle = path.GetRange(from, path.Count - from);
                cycle.Reverse();
                return cycle;
            }
        }
        return path;
    }
}
