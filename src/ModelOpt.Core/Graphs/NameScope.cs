using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Graphs;

/// <summary>
/// Hands out names no value or node of the model uses yet. ONNX requires value names to be
/// unique across a graph and the subgraphs that can see it (IR.md, "Names Within a Graph"),
/// so the scope covers every graph of the model; node names share it to keep them distinct too.
/// Names depend only on the model and the order of requests, which keeps output deterministic.
/// </summary>
public sealed class NameScope
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    private NameScope()
    {
    }

    /// <summary>A scope holding every name already used in <paramref name="model"/>.</summary>
    public static NameScope ForModel(OnnxModel model)
    {
        var scope = new NameScope();
        foreach (var graph in model.Graph.AllGraphs())
        {
            foreach (var value in graph.Inputs) scope._taken.Add(value.Name);
            foreach (var value in graph.Outputs) scope._taken.Add(value.Name);
            foreach (var value in graph.Initializers) scope._taken.Add(value.Name);
            foreach (var value in graph.SparseInitializers) scope._taken.Add(value.Name);
            foreach (var value in graph.ValueInfos) scope._taken.Add(value.Name);
            foreach (var node in graph.Nodes)
            {
                if (node.Name.Length > 0) scope._taken.Add(node.Name);
                foreach (var input in node.Inputs)
                {
                    if (input is not null) scope._taken.Add(input.Name);
                }
                foreach (var output in node.Outputs)
                {
                    if (output is not null) scope._taken.Add(output.Name);
                }
            }
        }
        return scope;
    }

    /// <summary>Reserves <paramref name="hint"/>, or <c>hint_1</c>, <c>hint_2</c>, … when it is taken.</summary>
    public string Reserve(string hint)
    {
        if (_taken.Add(hint)) return hint;
        for (int i = 1; ; i++)
        {
            string candidate = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{hint}_{i}");
            if (_taken.Add(candidate)) return candidate;
        }
    }
}
