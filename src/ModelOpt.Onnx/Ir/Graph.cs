using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Ir;

/// <summary>
/// A computation graph: inputs, outputs, initializers and nodes in a deterministic order
/// (the order of the file, or the order passes put them in). Fields the IR does not model
/// (quantization annotations, metadata, unknown fields) stay in <see cref="Residual"/>.
/// </summary>
public sealed class Graph
{
    // The nodes form a doubly linked list, so inserting before or after a node and removing one
    // cost O(1) however long the graph is; a List<Node> would move every later node each time,
    // which made rewriting a graph of n nodes O(n²). The positional view is rebuilt lazily, once
    // after a batch of edits, and stays valid while nodes are only appended.
    private Node? _first;
    private Node? _last;
    private int _count;
    private List<Node>? _ordered;

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
    public ValueList Inputs { get; } = new(ValueListRole.Inputs);

    /// <summary>Graph outputs in order.</summary>
    public ValueList Outputs { get; } = new(ValueListRole.Outputs);

    /// <summary>Values whose <see cref="Value.Initializer"/> is set, in file order.</summary>
    public ValueList Initializers { get; } = new(ValueListRole.Other);

    /// <summary>Values whose <see cref="Value.SparseInitializer"/> is set, in file order.</summary>
    public ValueList SparseInitializers { get; } = new(ValueListRole.Other);

    /// <summary>Intermediate values with a declared type (the <c>value_info</c> list), in file order.</summary>
    public ValueList ValueInfos { get; } = new(ValueListRole.Other);

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

    /// <summary>Nodes in order (topological in valid models). A live view: it shows later edits.</summary>
    public IReadOnlyList<Node> Nodes => field ??= new NodeList(this);

    /// <summary>Appends a node.</summary>
    public void AddNode(Node node)
    {
        Attach(node);
        Link(node, _last, null);
        _ordered?.Add(node);
    }

    /// <summary>Inserts a node at <paramref name="index"/>.</summary>
    public void InsertNode(int index, Node node)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, _count);
        if (index == _count) AddNode(node);
        else InsertBefore(Ordered()[index], node);
    }

    /// <summary>Inserts <paramref name="node"/> just before <paramref name="anchor"/>, a node of this graph.</summary>
    public void InsertBefore(Node anchor, Node node)
    {
        RequireMember(anchor);
        Attach(node);
        Link(node, anchor.Previous, anchor);
        _ordered = null;
    }

    /// <summary>Inserts <paramref name="node"/> just after <paramref name="anchor"/>, a node of this graph.</summary>
    public void InsertAfter(Node anchor, Node node)
    {
        RequireMember(anchor);
        if (ReferenceEquals(anchor, _last))
        {
            AddNode(node);
            return;
        }
        Attach(node);
        Link(node, anchor, anchor.Next);
        _ordered = null;
    }

    /// <summary>Removes a node and disconnects its inputs; its outputs must no longer be used.</summary>
    public void RemoveNode(Node node)
    {
        RequireMember(node);
        bool wasLast = ReferenceEquals(node, _last);
        if (node.Previous is { } previous) previous.Next = node.Next;
        else _first = node.Next;
        if (node.Next is { } next) next.Previous = node.Previous;
        else _last = node.Previous;
        node.Previous = node.Next = null;
        _count--;
        if (wasLast && _ordered is { } ordered) ordered.RemoveAt(ordered.Count - 1);
        else _ordered = null;
        node.DetachInputs();
        node.Graph = null;
    }

    /// <summary>The position of <paramref name="node"/>, a node of this graph (O(1) between edits, O(n) once after one).</summary>
    public int IndexOf(Node node)
    {
        RequireMember(node);
        Ordered();
        return node.Position;
    }

    /// <summary>
    /// How many times the positional view was rebuilt: each rebuild is O(n), so a pass over a
    /// long graph must cause a bounded number, not one per edit (tests guard this).
    /// </summary>
    internal int OrderRebuilds { get; private set; }

    /// <summary>The nodes in order, with every node's <see cref="Node.Position"/> set; rebuilt after an edit other than an append.</summary>
    private List<Node> Ordered()
    {
        if (_ordered is { } ordered) return ordered;
        OrderRebuilds++;
        ordered = new List<Node>(_count);
        for (var node = _first; node is not null; node = node.Next)
        {
            node.Position = ordered.Count;
            ordered.Add(node);
        }
        return _ordered = ordered;
    }

    private void Attach(Node node)
    {
        if (node.Graph is not null) throw new InvalidOperationException($"{node} is already in graph '{node.Graph.Name}'.");
        node.Graph = this;
    }

    private void Link(Node node, Node? previous, Node? next)
    {
        node.Previous = previous;
        node.Next = next;
        if (previous is null) _first = node;
        else previous.Next = node;
        if (next is null) _last = node;
        else next.Previous = node;
        _count++;
        // An appended node's position is the old count, which keeps a valid view valid.
        node.Position = _count - 1;
    }

    private void RequireMember(Node node)
    {
        if (!ReferenceEquals(node.Graph, this)) throw new InvalidOperationException($"{node} is not in graph '{Name}'.");
    }

    /// <summary>The read-only, live view behind <see cref="Nodes"/>.</summary>
    private sealed class NodeList(Graph graph) : IReadOnlyList<Node>
    {
        public Node this[int index] => graph.Ordered()[index];

        public int Count => graph._count;

        // Walks the ordered list, so appending or removing the last node while walking throws,
        // as a List's enumerator does; an edit elsewhere leaves the walk on the order it started with.
        public IEnumerator<Node> GetEnumerator() => graph.Ordered().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
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
        foreach (var node in Nodes)
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
        foreach (var node in Nodes)
        {
            foreach (var subgraph in node.Subgraphs)
            {
                foreach (var inner in subgraph.AllGraphs()) yield return inner;
            }
        }
    }
}
