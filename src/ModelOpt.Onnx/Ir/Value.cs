using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Ir;

/// <summary>One use of a <see cref="Value"/>: the consuming node and the input slot.</summary>
public readonly record struct ValueUse(Node Node, int InputIndex);

/// <summary>One dimension of a declared shape: a number, a symbol, or unknown (both null).</summary>
public readonly record struct Dimension(long? Size, string? Symbol)
{
    /// <inheritdoc/>
    public override string ToString() => Size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}

/// <summary>
/// A named value of a graph (graph input, initializer, node output, or an outer-scope value
/// seen from a subgraph). Values have reference identity: renaming one renames it everywhere.
/// A value knows the node that produces it and every node input that reads it.
/// </summary>
public sealed class Value
{
    private readonly List<ValueUse> _uses = [];
    private string _name;
    private Tensor? _initializer;

    /// <summary>Creates a value that is not yet connected to anything.</summary>
    public Value(string name, TypeProto? type = null)
    {
        _name = name;
        if (type is not null) Info = new ValueInfoProto { Type = type };
    }

    /// <summary>The value's name, unique in its graph and the graphs it is visible from.</summary>
    public string Name
    {
        get => _name;
        set
        {
            _name = value;
            if (_initializer is not null) _initializer.Name = value;
            if (SparseInitializer is not null) SparseInitializer.Values.Name = value;
        }
    }

    /// <summary>The declared type and shape, documentation and metadata (its name field is not used).</summary>
    internal ValueInfoProto? Info { get; set; }

    /// <summary>The declared type, when the model declares one.</summary>
    public TypeProto? Type
    {
        get => Info?.Type;
        set => (Info ??= new ValueInfoProto()).Type = value;
    }

    /// <summary>The declared tensor element type, or <see cref="ElementType.Undefined"/>.</summary>
    public ElementType ElementType
        => Type?.TensorType is { HasElemType: true } tensorType ? (ElementType)tensorType.ElemType : ElementType.Undefined;

    /// <summary>The declared tensor shape, or null when the rank is unknown.</summary>
    public IReadOnlyList<Dimension>? Shape
        => Type?.TensorType?.Shape is { } shape
            ? shape.Dim.Select(d => new Dimension(
                d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : null,
                d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : null)).ToArray()
            : null;

    /// <summary>The node that produces this value, or null for graph inputs, initializers and outer values.</summary>
    public Node? Producer { get; internal set; }

    /// <summary>Which output of <see cref="Producer"/> this value is.</summary>
    public int ProducerOutputIndex { get; internal set; }

    /// <summary>Every node input that reads this value, in the order they were connected.</summary>
    public IReadOnlyList<ValueUse> Uses => _uses;

    /// <summary>The constant data when this value is an initializer of its graph.</summary>
    public Tensor? Initializer
    {
        get => _initializer;
        set
        {
            _initializer = value;
            if (value is not null) value.Name = _name;
        }
    }

    /// <summary>The constant data when this value is a sparse initializer of its graph.</summary>
    public SparseTensor? SparseInitializer { get; internal set; }

    /// <summary>Whether a graph lists this value among its inputs (O(1): the lists count their members).</summary>
    public bool IsGraphInput => GraphInputLists > 0;

    /// <summary>Whether a graph lists this value among its outputs (O(1): the lists count their members).</summary>
    public bool IsGraphOutput => GraphOutputLists > 0;

    /// <summary>How many graph input lists hold this value (a value may be listed twice).</summary>
    internal int GraphInputLists { get; set; }

    /// <summary>How many graph output lists hold this value.</summary>
    internal int GraphOutputLists { get; set; }

    internal void AddUse(Node node, int inputIndex) => _uses.Add(new ValueUse(node, inputIndex));

    internal void RemoveUse(Node node, int inputIndex) => _uses.Remove(new ValueUse(node, inputIndex));

    /// <summary>Makes every reader of this value read <paramref name="replacement"/> instead.</summary>
    public void ReplaceAllUsesWith(Value replacement)
    {
        foreach (var use in _uses.ToArray())
        {
            use.Node.SetInput(use.InputIndex, replacement);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"value '{Name}'";
}
