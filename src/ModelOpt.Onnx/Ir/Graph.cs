using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Ir;

/// <summary>
/// A computation graph: inputs, outputs, initializers and nodes in a deterministic order
/// (the order of the file, or the order passes put them in). Fields the IR does not model
/// (quantization annotations, metadata, unknown fields) stay in <see cref="Residual"/>.
/// </summary>
public sealed class Graph
{
    private readonly List<Node> _nodes = [];

    internal Graph(GraphProto residual, Graph? parent)
    {
        Residual = residual;
        Parent = parent;
    }

    /// <summary>Creates an empty top-level graph.</summary>
    public Graph(string name) : this(new GraphProto { Name = name }, null)
    {
    }

    internal GraphProto Residual { get; }

    /// <summary>The graph that holds the node whose attribute this graph is; null for the main graph.</summary>
    public Graph? Parent { get; }

    /// <summary>The graph's name.</summary>
    public string Name { get => Residual.Name; set => Residual.Name = value; }

    /// <summary>Graph inputs in order (may include initializers, as older IR versions did).</summary>
    public List<Value> Inputs { get; } = [];

    /// <summary>Graph outputs in order.</summary>
    public List<Value> Outputs { get; } = [];

    /// <summary>Values whose <see cref="Value.Initializer"/> is set, in file order.</summary>
    public List<Value> Initializers { get; } = [];

    /// <summary>Values whose <see cref="Value.SparseInitializer"/> is set, in file order.</summary>
    public List<Value> SparseInitializers { get; } = [];

    /// <summary>Intermediate values with a declared type (the <c>value_info</c> list), in file order.</summary>
    public List<Value> ValueInfos { get; } = [];

    /// <summary>
    /// A second declaration of a value as the file had it: a graph output or value_info entry
    /// that declares a value differently from its first declaration (an output that is also an
    /// input, a subgraph output naming an outer value). <see cref="InfoWhenRead"/> is the value's
    /// own declaration at that time: the writer uses <see cref="Proto"/> only while the value's
    /// declaration is unchanged, so a pass that retypes the value is never overridden.
    /// </summary>
    internal sealed record Declaration(ValueInfoProto Proto, ValueInfoProto InfoWhenRead);

    /// <summary>Graph outputs whose declaration differs from their value's first one.</summary>
    internal Dictionary<Value, Declaration> OutputDeclarations { get; } = [];

    /// <summary>value_info entries whose declaration differs from their value's first one.</summary>
    internal Dictionary<Value, Declaration> ValueInfoDeclarations { get; } = [];

    /// <summary>Gives <paramref name="value"/> its first declaration, or records a differing later one.</summary>
    internal void RecordDeclaration(Dictionary<Value, Declaration> declarations, Value value, ValueInfoProto info)
    {
        if (value.Info is null) value.Info = info;
        else if (!value.Info.Equals(info)) declarations[value] = new Declaration(info, value.Info.Clone());
    }

    /// <summary>Nodes in order (topological in valid models).</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Appends a node.</summary>
    public void AddNode(Node node) => InsertNode(_nodes.Count, node);

    /// <summary>Inserts a node at <paramref name="index"/>.</summary>
    public void InsertNode(int index, Node node)
    {
        node.Graph = this;
        _nodes.Insert(index, node);
    }

    /// <summary>Removes a node and disconnects its inputs; its outputs must no longer be used.</summary>
    public void RemoveNode(Node node)
    {
        if (!_nodes.Remove(node)) throw new InvalidOperationException($"{node} is not in graph '{Name}'.");
        node.DetachInputs();
        node.Graph = null;
    }

    /// <summary>Adds an initializer value holding <paramref name="tensor"/>.</summary>
    public Value AddInitializer(string name, Tensor tensor)
    {
        var value = new Value(name) { Initializer = tensor };
        Initializers.Add(value);
        return value;
    }

    /// <summary>Every node of this graph and of all subgraphs below it, parents before children.</summary>
    public IEnumerable<Node> AllNodes()
    {
        foreach (var node in _nodes)
        {
            yield return node;
            foreach (var subgraph in node.Subgraphs)
            {
                foreach (var inner in subgraph.AllNodes()) yield return inner;
            }
        }
    }

    /// <summary>This graph and every subgraph below it.</summary>
    public IEnumerable<Graph> AllGraphs()
    {
        yield return this;
        foreach (var node in _nodes)
        {
            foreach (var subgraph in node.Subgraphs)
            {
                foreach (var inner in subgraph.AllGraphs()) yield return inner;
            }
        }
    }
}
