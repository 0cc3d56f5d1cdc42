using Google.Protobuf;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>
/// Builds small models at the protobuf level. Tests use it where they need fields, or
/// mistakes, that the IR would never produce (negative dims, bad external references).
/// </summary>
internal static class ProtoModels
{
    /// <summary>A tensor type with a fixed shape.</summary>
    public static TypeProto TensorType(ElementType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } };
    }

    /// <summary>A graph input or output declaration.</summary>
    public static ValueInfoProto ValueInfo(string name, ElementType type, params long[] dims)
        => new() { Name = name, Type = TensorType(type, dims) };

    /// <summary>A tensor stored in <c>raw_data</c>.</summary>
    public static TensorProto RawTensor(string name, ElementType type, long[] dims, byte[] raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    /// <summary>A float tensor stored in the typed <c>float_data</c> field.</summary>
    public static TensorProto FloatTensor(string name, long[] dims, params float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)ElementType.Float };
        tensor.Dims.Add(dims);
        tensor.FloatData.Add(values);
        return tensor;
    }

    /// <summary>A tensor whose data lives in an external file; null entries are left out.</summary>
    public static TensorProto ExternalTensor(string name, ElementType type, long[] dims, string? location, string? offset = null, string? length = null)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, DataLocation = TensorProto.Types.DataLocation.External };
        tensor.Dims.Add(dims);
        if (location is not null) tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset is not null) tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
        if (length is not null) tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length });
        return tensor;
    }

    /// <summary>A node of the ONNX domain unless <paramref name="domain"/> says otherwise.</summary>
    public static NodeProto Node(string opType, string[] inputs, string[] outputs, string name = "", string domain = "")
    {
        var node = new NodeProto { OpType = opType, Name = name, Domain = domain };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        return node;
    }

    /// <summary>A graph-valued attribute (If branches, Loop bodies).</summary>
    public static AttributeProto GraphAttribute(string name, GraphProto graph)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph };

    /// <summary>A tensor-valued attribute (Constant's <c>value</c>).</summary>
    public static AttributeProto TensorAttribute(string name, TensorProto tensor)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = tensor };

    /// <summary>A model around <paramref name="graph"/> importing ONNX opset <paramref name="opset"/>.</summary>
    public static ModelProto Model(GraphProto graph, long opset = 17)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "ModelOpt.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>
    /// <c>Y = Identity(W)</c> where W is the initializer <paramref name="weight"/>: the smallest
    /// valid model that carries one tensor, so a test can break exactly that tensor.
    /// </summary>
    public static ModelProto InitializerModel(TensorProto weight)
    {
        var graph = new GraphProto { Name = "initializer_model" };
        graph.Initializer.Add(weight);
        graph.Node.Add(Node("Identity", [weight.Name], ["Y"], name: "identity"));
        graph.Output.Add(new ValueInfoProto { Name = "Y" });
        return Model(graph);
    }

    /// <summary>
    /// <c>Y = Identity(C)</c> where C comes from a <c>Constant</c> node named
    /// <paramref name="nodeName"/> holding <paramref name="value"/>.
    /// </summary>
    public static ModelProto ConstantModel(TensorProto value, string nodeName = "const")
    {
        var graph = new GraphProto { Name = "constant_model" };
        var constant = Node("Constant", [], ["C"], name: nodeName);
        constant.Attribute.Add(TensorAttribute("value", value));
        graph.Node.Add(constant);
        graph.Node.Add(Node("Identity", ["C"], ["Y"], name: "identity"));
        graph.Output.Add(new ValueInfoProto { Name = "Y" });
        return Model(graph);
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> and returns the path.</summary>
    public static string Write(ModelProto model, string path)
    {
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    /// <summary>Parses a saved model file (for checking what the writer produced).</summary>
    public static ModelProto Read(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
}
