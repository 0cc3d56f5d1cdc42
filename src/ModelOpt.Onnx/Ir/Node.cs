using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Ir;

/// <summary>
/// One operator application. Inputs are values (null for an omitted optional input);
/// outputs are values this node produces (null for an omitted optional output).
/// Fields the IR does not model (documentation, metadata, device annotations, unknown
/// fields) stay in <see cref="Residual"/> and are written back unchanged.
/// </summary>
public sealed class Node
{
    private readonly List<Value?> _inputs = [];
    private readonly List<Value?> _outputs = [];

    internal Node(NodeProto residual)
    {
        Residual = residual;
    }

    /// <summary>Creates a node with new output values named <paramref name="outputNames"/>.</summary>
    public Node(string opType, IEnumerable<Value?> inputs, IEnumerable<string> outputNames, string name = "", string domain = "")
        : this(new NodeProto())
    {
        OpType = opType;
        Name = name;
        Domain = domain;
        foreach (var input in inputs) AddInput(input);
        foreach (var outputName in outputNames) AddOutput(new Value(outputName));
    }

    internal NodeProto Residual { get; }

    /// <summary>The node's name (may be empty).</summary>
    public string Name { get => Residual.Name; set => Residual.Name = value; }

    /// <summary>The operator, e.g. <c>Conv</c>.</summary>
    public string OpType { get => Residual.OpType; set => Residual.OpType = value; }

    /// <summary>The operator's domain: empty for ONNX, e.g. <c>com.microsoft</c> for ONNX Runtime's contrib ops.</summary>
    public string Domain { get => Residual.Domain; set => Residual.Domain = value; }

    /// <summary>The graph that holds this node.</summary>
    public Graph? Graph { get; internal set; }

    /// <summary>The node before this one in <see cref="Graph"/>'s order (the graph's linked list).</summary>
    internal Node? Previous { get; set; }

    /// <summary>The node after this one in <see cref="Graph"/>'s order.</summary>
    internal Node? Next { get; set; }

    /// <summary>The index in <see cref="Graph"/>'s order, valid while the graph's ordered view is.</summary>
    internal int Position { get; set; }

    /// <summary>Inputs in order; null marks an omitted optional input.</summary>
    public IReadOnlyList<Value?> Inputs => _inputs;

    /// <summary>Outputs in order; null marks an omitted optional output.</summary>
    public IReadOnlyList<Value?> Outputs => _outputs;

    /// <summary>Attributes in their original order.</summary>
    public List<NodeAttribute> Attributes { get; } = [];

    /// <summary>Appends an input and registers this node as a use of it.</summary>
    public void AddInput(Value? value)
    {
        _inputs.Add(value);
        value?.AddUse(this, _inputs.Count - 1);
    }

    /// <summary>Replaces input <paramref name="index"/>, keeping the use lists right.</summary>
    public void SetInput(int index, Value? value)
    {
        _inputs[index]?.RemoveUse(this, index);
        _inputs[index] = value;
        value?.AddUse(this, index);
    }

    /// <summary>Disconnects every input (used when the node leaves the graph).</summary>
    internal void DetachInputs()
    {
        for (int i = 0; i < _inputs.Count; i++) _inputs[i]?.RemoveUse(this, i);
    }

    /// <summary>Appends an output value, which this node then produces.</summary>
    public void AddOutput(Value? value)
    {
        _outputs.Add(value);
        if (value is not null)
        {
            value.Producer = this;
            value.ProducerOutputIndex = _outputs.Count - 1;
        }
    }

    /// <summary>
    /// Drops the outputs from index <paramref name="count"/> on, for instance optional outputs a
    /// newer operator version no longer has. The dropped values must no longer be read.
    /// </summary>
    public void TruncateOutputs(int count)
    {
        for (int i = _outputs.Count - 1; i >= count; i--)
        {
            if (_outputs[i] is { } value)
            {
                if (value.Uses.Count > 0) throw new InvalidOperationException($"{value} of {this} is still read by {value.Uses[0].Node}.");
                value.Producer = null;
            }
            _outputs.RemoveAt(i);
        }
    }

    /// <summary>The attribute named <paramref name="name"/>, or null.</summary>
    public NodeAttribute? GetAttribute(string name) => Attributes.Find(a => a.Name == name);

    /// <summary>Every subgraph held in this node's attributes (If branches, Loop and Scan bodies).</summary>
    public IEnumerable<Graph> Subgraphs
        => Attributes.SelectMany(a => a.Graph is null ? a.Graphs : a.Graphs.Prepend(a.Graph));

    /// <summary>How diagnostics name the node: <c>node 'conv1' (Conv)</c>.</summary>
    public override string ToString()
        => $"node '{Name}' ({(Domain.Length == 0 ? OpType : Domain + "." + OpType)})";
}
