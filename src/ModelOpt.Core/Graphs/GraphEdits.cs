using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Graphs;

/// <summary>Small graph edits that several passes need, kept in one place.</summary>
public static class GraphEdits
{
    /// <summary>A base for names derived from <paramref name="node"/>: its name, else its first output's.</summary>
    public static string BaseName(Node node)
        => node.Name.Length > 0 ? node.Name : node.Outputs.FirstOrDefault(o => o is not null)?.Name ?? node.OpType;

    /// <summary>The position of <paramref name="node"/> in its graph.</summary>
    public static int IndexOf(Node node)
        => (node.Graph ?? throw new InvalidOperationException($"{node} is not in a graph.")).IndexOf(node);

    /// <summary>Inserts <paramref name="nodes"/> just before <paramref name="anchor"/>, in order.</summary>
    public static void InsertBefore(Node anchor, params Node[] nodes)
    {
        var graph = anchor.Graph ?? throw new InvalidOperationException($"{anchor} is not in a graph.");
        foreach (var node in nodes) graph.InsertBefore(anchor, node);
    }

    /// <summary>
    /// Puts <paramref name="replacement"/> (created without outputs) where <paramref name="original"/>
    /// was: same position, same output values, so every reader and graph output follows; then the
    /// original leaves the graph.
    /// </summary>
    public static void Replace(Node original, Node replacement)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(replacement);
        InsertBefore(original, replacement);
        var outputs = original.Outputs.ToArray();
        original.Graph!.RemoveNode(original);
        foreach (var output in outputs) replacement.AddOutput(output);
    }

    /// <summary>
    /// Removes <paramref name="follower"/>, whose work a fold moved into <paramref name="producer"/>:
    /// the follower's output value (its name, type and readers) now comes from the producer, and
    /// the producer's old output, which only the follower read, disappears.
    /// </summary>
    public static void MergeIntoProducer(Node producer, Node follower)
    {
        var graph = producer.Graph ?? throw new InvalidOperationException($"{producer} is not in a graph.");
        var result = follower.Outputs[0]!;
        var old = producer.Outputs[0]!;
        graph.RemoveNode(follower);
        producer.TruncateOutputs(0);
        producer.AddOutput(result);
        graph.ValueInfos.Remove(old);
    }

    /// <summary>True when a graph of the model returns <paramref name="value"/> as an output.</summary>
    public static bool IsGraphOutput(OnnxModel model, Value value)
    {
        ArgumentNullException.ThrowIfNull(model);
        return value.IsGraphOutput;
    }

    /// <summary>True when nothing reads <paramref name="value"/>: no node input and no graph output.</summary>
    public static bool IsUnused(OnnxModel model, Value value)
        => value.Uses.Count == 0 && !IsGraphOutput(model, value);

    /// <summary>
    /// Removes the constant behind <paramref name="value"/> once nothing reads it: its
    /// initializer (and the graph input of the same name that IR version 3 required), or the
    /// <c>Constant</c> node that produces it. Returns whether something was removed.
    /// </summary>
    public static bool RemoveConstantIfUnused(OnnxModel model, Value value)
    {
        if (!IsUnused(model, value)) return false;
        if (value.Producer is { OpType: "Constant" } constant && constant.Outputs.Count == 1)
        {
            constant.Graph!.RemoveNode(constant);
            return true;
        }
        // The main graph first: a subgraph's weight is rare, and finding the subgraphs walks every node.
        foreach (var graph in model.Graph.AllGraphs())
        {
            if (graph.Initializers.Remove(value))
            {
                graph.Inputs.Remove(value);
                graph.ValueInfos.Remove(value);
                return true;
            }
        }
        return false;
    }

    /// <summary>Adds an initializer named from <paramref name="hint"/> to <paramref name="graph"/>.</summary>
    public static Value AddInitializer(Graph graph, NameScope names, string hint, Func<string, Tensor> create)
    {
        string name = names.Reserve(hint);
        return graph.AddInitializer(name, create(name));
    }
}
