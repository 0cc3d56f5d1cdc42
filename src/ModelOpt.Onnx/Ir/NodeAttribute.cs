using System.Text;
using Google.Protobuf;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Ir;

/// <summary>
/// A node attribute. Scalars and lists are read from the underlying proto; tensors and graphs
/// are IR objects (<see cref="Tensor"/>, <see cref="Ir.Graph"/>) so that passes see weights in
/// <c>Constant</c> nodes and values used inside subgraphs like everything else.
/// </summary>
public sealed class NodeAttribute
{
    internal NodeAttribute(AttributeProto residual)
    {
        Residual = residual;
    }

    internal AttributeProto Residual { get; }

    /// <summary>The attribute's name.</summary>
    public string Name => Residual.Name;

    /// <summary>The declared kind of value.</summary>
    public AttributeKind Kind => (AttributeKind)Residual.Type;

    /// <summary>The float value.</summary>
    public float Float => Residual.F;

    /// <summary>The integer value.</summary>
    public long Int => Residual.I;

    /// <summary>The string value as UTF-8 text.</summary>
    public string String => Residual.S.ToStringUtf8();

    /// <summary>The float list.</summary>
    public IReadOnlyList<float> Floats => Residual.Floats;

    /// <summary>The integer list.</summary>
    public IReadOnlyList<long> Ints => Residual.Ints;

    /// <summary>The string list as UTF-8 text.</summary>
    public IReadOnlyList<string> Strings => Residual.Strings.Select(s => s.ToStringUtf8()).ToArray();

    /// <summary>The tensor value (<see cref="AttributeKind.Tensor"/>).</summary>
    public Tensor? Tensor { get; set; }

    /// <summary>The graph value (<see cref="AttributeKind.Graph"/>).</summary>
    public Graph? Graph { get; internal set; }

    /// <summary>The tensor list (<see cref="AttributeKind.Tensors"/>).</summary>
    public List<Tensor> Tensors { get; } = [];

    /// <summary>The graph list (<see cref="AttributeKind.Graphs"/>).</summary>
    public List<Graph> Graphs { get; } = [];

    /// <summary>The sparse tensor value (<see cref="AttributeKind.SparseTensor"/>).</summary>
    public SparseTensor? SparseTensor { get; internal set; }

    /// <summary>The sparse tensor list (<see cref="AttributeKind.SparseTensors"/>).</summary>
    public List<SparseTensor> SparseTensors { get; } = [];

    /// <summary>An integer attribute.</summary>
    public static NodeAttribute FromInt(string name, long value)
        => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    /// <summary>A float attribute.</summary>
    public static NodeAttribute FromFloat(string name, float value)
        => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    /// <summary>A string attribute.</summary>
    public static NodeAttribute FromString(string name, string value)
        => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFrom(value, Encoding.UTF8) });

    /// <summary>An integer-list attribute.</summary>
    public static NodeAttribute FromInts(string name, IEnumerable<long> values)
    {
        var proto = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        proto.Ints.Add(values);
        return new NodeAttribute(proto);
    }

    /// <summary>A float-list attribute.</summary>
    public static NodeAttribute FromFloats(string name, IEnumerable<float> values)
    {
        var proto = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        proto.Floats.Add(values);
        return new NodeAttribute(proto);
    }

    /// <summary>A tensor attribute (as in <c>Constant</c>'s <c>value</c>).</summary>
    public static NodeAttribute FromTensor(string name, Tensor value)
        => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor }) { Tensor = value };

    /// <summary>A graph attribute (a subgraph body).</summary>
    public static NodeAttribute FromGraph(string name, Graph value)
        => new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Graph }) { Graph = value };
}
