using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.TestUtilities;

/// <summary>Builds small models through the IR for tests: declared inputs, initializers, nodes, outputs.</summary>
public sealed class GraphBuilder
{
    /// <summary>Starts an empty graph.</summary>
    public GraphBuilder(string name = "test")
    {
        Graph = new Graph(name);
    }

    /// <summary>The graph being built.</summary>
    public Graph Graph { get; }

    /// <summary>A tensor type; no dims means "rank unknown".</summary>
    public static TypeProto TensorType(ElementType type, params long[]? dims)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            var shape = new TensorShapeProto();
            foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            tensor.Shape = shape;
        }
        return new TypeProto { TensorType = tensor };
    }

    /// <summary>Declares a FLOAT graph input.</summary>
    public Value Input(string name, params long[] dims) => Input(name, ElementType.Float, dims);

    /// <summary>A FLOAT input whose rank the model leaves open.</summary>
    public Value InputOfUnknownShape(string name)
    {
        var value = new Value(name, TensorType(ElementType.Float, null));
        Graph.Inputs.Add(value);
        return value;
    }

    /// <summary>Declares a graph input of any element type.</summary>
    public Value Input(string name, ElementType type, params long[] dims)
    {
        var value = new Value(name, TensorType(type, dims));
        Graph.Inputs.Add(value);
        return value;
    }

    /// <summary>Declares a graph input whose dimensions are sizes ("3") or symbols ("N", "W").</summary>
    public Value SymbolicInput(string name, ElementType type, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (string d in dims)
        {
            shape.Dim.Add(long.TryParse(d, System.Globalization.CultureInfo.InvariantCulture, out long size)
                ? new TensorShapeProto.Types.Dimension { DimValue = size }
                : new TensorShapeProto.Types.Dimension { DimParam = d });
        }
        var value = new Value(name, new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } });
        Graph.Inputs.Add(value);
        return value;
    }

    /// <summary>Adds a FLOAT initializer.</summary>
    public Value Weight(string name, long[] dims, float[] values) => Graph.AddInitializer(name, Tensor.FromFloats(name, dims, values));

    /// <summary>Adds an INT64 initializer.</summary>
    public Value Int64s(string name, params long[] values)
        => Graph.AddInitializer(name, Tensor.FromRawData(name, ElementType.Int64, [values.Length],
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));

    /// <summary>A <c>Constant</c> node holding a FLOAT tensor; returns its output.</summary>
    public Value Constant(string name, long[] dims, float[] values)
    {
        var node = new Node("Constant", [], [name], name + "_const");
        node.Attributes.Add(NodeAttribute.FromTensor("value", Tensor.FromFloats(name, dims, values)));
        Graph.AddNode(node);
        return node.Outputs[0]!;
    }

    /// <summary>Adds a node named <paramref name="name"/> with one output per name in <paramref name="outputs"/>.</summary>
    public Node Node(string opType, Value?[] inputs, string[] outputs, string name, params NodeAttribute[] attributes)
    {
        var node = new Node(opType, inputs, outputs, name);
        node.Attributes.AddRange(attributes);
        Graph.AddNode(node);
        return node;
    }

    /// <summary>Adds a one-output node named after its output; returns the output.</summary>
    public Value Op(string opType, Value?[] inputs, string output, params NodeAttribute[] attributes)
        => Node(opType, inputs, [output], output, attributes).Outputs[0]!;

    /// <summary>Declares <paramref name="value"/> a graph output of <paramref name="type"/>, shape left open.</summary>
    public GraphBuilder Output(Value value, ElementType type = ElementType.Float)
    {
        value.Type = TensorType(type, null);
        Graph.Outputs.Add(value);
        return this;
    }

    /// <summary>The model over the graph.</summary>
    public OnnxModel Build(long opset) => new(Graph, opset, IrVersionFor(opset));

    private static long IrVersionFor(long opset) => opset switch { <= 8 => 3, 9 => 4, 10 => 5, 11 => 6, <= 14 => 7, <= 18 => 8, <= 20 => 9, _ => 10 };
}
