using Google.Protobuf;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>
/// Fields a newer ONNX version adds must survive load and save at every level (DESIGN §4), so
/// that optimizing a model never silently drops information this build does not understand.
/// </summary>
public sealed class UnknownFieldTests
{
    private const int UnknownFieldNumber = 999;

    private static readonly string[] Levels =
        ["model", "graph", "node", "attribute", "initializer", "constant-tensor", "value-info", "opset", "subgraph", "subgraph-node", "sparse-tensor", "function"];

    [Fact]
    public void UnknownFieldsAtEveryLevelSurviveInlineSave()
    {
        using var folder = new TempFolder();
        var original = ModelWithUnknownFields();
        string path = ProtoModels.Write(original, folder.File("model.onnx"));
        using var model = OnnxModelReader.Load(path);
        string saved = folder.File("saved.onnx");
        OnnxModelWriter.Save(model, saved, new ModelSaveOptions { ExternalData = ExternalDataMode.Never });

        byte[] bytes = File.ReadAllBytes(saved);
        foreach (string level in Levels) Assert.Equal(1, CountOccurrences(bytes, EncodedField(level)));
        // Proto equality includes unknown fields: nothing moved or changed.
        Assert.Equal(original, ProtoModels.Read(saved));
    }

    [Fact]
    public void UnknownFieldsOfTensorsSurviveWhenTheirDataGoesExternal()
    {
        using var folder = new TempFolder();
        string path = ProtoModels.Write(ModelWithUnknownFields(), folder.File("model.onnx"));
        using var model = OnnxModelReader.Load(path);
        string saved = folder.File("saved.onnx");
        OnnxModelWriter.Save(model, saved, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });

        byte[] bytes = File.ReadAllBytes(saved);
        foreach (string level in Levels) Assert.Equal(1, CountOccurrences(bytes, EncodedField(level)));
        var proto = ProtoModels.Read(saved);
        Assert.Equal(TensorProto.Types.DataLocation.External, proto.Graph.Initializer.Single().DataLocation);
        Assert.Equal(1, CountOccurrences(proto.Graph.Initializer.Single().ToByteArray(), EncodedField("initializer")));
    }

    [Fact]
    public void UnknownFieldsOfOtherWireTypesSurvive()
    {
        using var folder = new TempFolder();
        var model = ProtoModels.InitializerModel(ProtoModels.FloatTensor("W", [1], 1f));
        using var extra = new MemoryStream();
        var output = new CodedOutputStream(extra);
        output.WriteTag(1000, WireFormat.WireType.Varint);
        output.WriteUInt64(ulong.MaxValue);
        output.WriteTag(1001, WireFormat.WireType.Fixed32);
        output.WriteFixed32(0xDEADBEEF);
        output.WriteTag(1002, WireFormat.WireType.Fixed64);
        output.WriteFixed64(0x0123456789ABCDEF);
        output.Flush();
        byte[] original = [.. model.ToByteArray(), .. extra.ToArray()];
        string path = folder.File("model.onnx");
        File.WriteAllBytes(path, original);

        using var loaded = OnnxModelReader.Load(path);
        Assert.Equal(original, OnnxModelWriter.ToBytes(loaded));
    }

    /// <summary>A model with one unknown length-delimited field, marked with its level's name, in each kind of message.</summary>
    private static ModelProto ModelWithUnknownFields()
    {
        var thenBranch = new GraphProto { Name = "then" };
        thenBranch.Node.Add(WithUnknownField(ProtoModels.Node("Identity", ["W"], ["then_out"], name: "inner"), "subgraph-node"));
        thenBranch.Output.Add(new ValueInfoProto { Name = "then_out" });
        var elseBranch = new GraphProto { Name = "else" };
        elseBranch.Node.Add(ProtoModels.Node("Identity", ["W"], ["else_out"], name: "inner"));
        elseBranch.Output.Add(new ValueInfoProto { Name = "else_out" });

        var constant = ProtoModels.Node("Constant", [], ["C"], name: "const");
        constant.Attribute.Add(ProtoModels.TensorAttribute("value", WithUnknownField(ProtoModels.FloatTensor("C", [2], 1f, 2f), "constant-tensor")));
        var ifNode = WithUnknownField(ProtoModels.Node("If", ["cond"], ["Y"], name: "if"), "node");
        ifNode.Attribute.Add(WithUnknownField(ProtoModels.GraphAttribute("then_branch", WithUnknownField(thenBranch, "subgraph")), "attribute"));
        ifNode.Attribute.Add(ProtoModels.GraphAttribute("else_branch", elseBranch));

        var sparse = new SparseTensorProto { Values = ProtoModels.FloatTensor("S", [1], 5f), Indices = new TensorProto { Name = "S_i", DataType = (int)ElementType.Int64 } };
        sparse.Indices.Dims.Add(1);
        sparse.Indices.Int64Data.Add(0);
        sparse.Dims.Add(2);

        var graph = new GraphProto { Name = "unknown_fields" };
        graph.Input.Add(WithUnknownField(ProtoModels.ValueInfo("cond", ElementType.Bool), "value-info"));
        graph.Initializer.Add(WithUnknownField(ProtoModels.FloatTensor("W", [2], 3f, 4f), "initializer"));
        graph.SparseInitializer.Add(WithUnknownField(sparse, "sparse-tensor"));
        graph.Node.Add(constant);
        graph.Node.Add(ifNode);
        graph.Output.Add(new ValueInfoProto { Name = "Y" });

        var model = ProtoModels.Model(WithUnknownField(graph, "graph"));
        model.OpsetImport[0] = WithUnknownField(model.OpsetImport[0], "opset");
        model.Functions.Add(WithUnknownField(new FunctionProto { Name = "F", Domain = "custom" }, "function"));
        return WithUnknownField(model, "model");
    }

    /// <summary>A copy of <paramref name="message"/> parsed from its bytes plus one unknown field: that is how a newer writer's field arrives.</summary>
    private static T WithUnknownField<T>(T message, string level) where T : IMessage<T>, new()
        => new MessageParser<T>(() => new T()).ParseFrom([.. message.ToByteArray(), .. EncodedField(level)]);

    private static byte[] EncodedField(string level)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(UnknownFieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteString("unknown-field-at-" + level);
        output.Flush();
        return stream.ToArray();
    }

    private static int CountOccurrences(byte[] haystack, byte[] needle)
    {
        int count = 0;
        for (int i = haystack.AsSpan().IndexOf(needle); i >= 0; )
        {
            count++;
            int next = haystack.AsSpan(i + 1).IndexOf(needle);
            i = next < 0 ? -1 : i + 1 + next;
        }
        return count;
    }
}
