using Google.Protobuf;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Onnx.Tests.Serialization;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>Structural limits: subgraph nesting, protobuf nesting, values defined twice.</summary>
public sealed class GraphLimitTests
{
    [Fact]
    public void NestingUpToTheDefaultLimitLoads()
    {
        using var folder = new TempFolder();
        string path = folder.File("nested.onnx");
        File.WriteAllBytes(path, NestedIfModel(ModelLoadOptions.Default.MaxSubgraphDepth));
        using var model = OnnxModelReader.Load(path);
        Assert.Equal(ModelLoadOptions.Default.MaxSubgraphDepth + 1, model.Graph.AllGraphs().Count());
        // The hand-made bytes are not in canonical field order; compare the messages.
        Assert.Equal(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)), OnnxModelWriter.ToProto(model));
    }

    [Fact]
    public void NestingBeyondTheDefaultLimitIsRejected()
    {
        using var folder = new TempFolder();
        int depth = ModelLoadOptions.Default.MaxSubgraphDepth + 1;
        string path = folder.File("nested.onnx");
        File.WriteAllBytes(path, NestedIfModel(depth));
        ModelOptAssert.Throws(DiagnosticCode.SubgraphTooDeep, path, () => OnnxModelReader.Load(path),
            $"graph 'g{depth}'", $"node 'if{depth - 1}' (If)", "limit is 16");
    }

    [Fact]
    public void ACustomDepthLimitIsHonoured()
    {
        using var folder = new TempFolder();
        var options = new ModelLoadOptions { MaxSubgraphDepth = 2 };
        string ok = folder.File("depth2.onnx");
        File.WriteAllBytes(ok, NestedIfModel(2));
        OnnxModelReader.Load(ok, options).Dispose();

        string tooDeep = folder.File("depth3.onnx");
        File.WriteAllBytes(tooDeep, NestedIfModel(3));
        ModelOptAssert.Throws(DiagnosticCode.SubgraphTooDeep, tooDeep, () => OnnxModelReader.Load(tooDeep, options), "graph 'g3'", "limit is 2");
    }

    [Theory]
    [InlineData(40)]
    [InlineData(20_000)]
    public void NestingBeyondProtobufsRecursionLimitIsAnErrorNotAStackOverflow(int depth)
    {
        using var folder = new TempFolder();
        string path = folder.File("very-deep.onnx");
        File.WriteAllBytes(path, NestedIfModel(depth));
        // Even a generous subgraph limit cannot take the parser past its recursion guard.
        var exception = Assert.Throws<ModelOptException>(() => OnnxModelReader.Load(path, new ModelLoadOptions { MaxSubgraphDepth = 100_000 }));
        Assert.Equal(DiagnosticCode.InvalidProtobuf, exception.Code);
        Assert.Equal(path, exception.FilePath);
        Assert.Contains("nested too deeply", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeeplyNestedUnknownGroupsAreAnErrorNotAStackOverflow()
    {
        using var folder = new TempFolder();
        // Unknown fields are parsed too (to be preserved); groups nest without any message type.
        const int depth = 100_000;
        using var stream = new MemoryStream();
        stream.Write(ProtoModels.InitializerModel(ProtoModels.FloatTensor("W", [1], 1f)).ToByteArray());
        var output = new CodedOutputStream(stream);
        for (int i = 0; i < depth; i++) output.WriteTag(999, WireFormat.WireType.StartGroup);
        for (int i = 0; i < depth; i++) output.WriteTag(999, WireFormat.WireType.EndGroup);
        output.Flush();
        string path = folder.File("groups.onnx");
        File.WriteAllBytes(path, stream.ToArray());

        ModelOptAssert.Throws(DiagnosticCode.InvalidProtobuf, path, () => OnnxModelReader.Load(path), "nested too deeply");
    }

    [Fact]
    public void DeeplyNestedTypesAreAnErrorNotAStackOverflow()
    {
        using var folder = new TempFolder();
        // sequence(sequence(sequence(... tensor))) in a graph input's type.
        const int depth = 50_000;
        var writer = new PrependingProtoWriter(depth * 8 + 1024);
        writer.PrependMessage(1, new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } }.ToByteArray());
        for (int i = 0; i < depth; i++)
        {
            writer.WrapAsField(1); // Sequence.elem_type
            writer.WrapAsField(4); // TypeProto.sequence_type
        }
        writer.WrapAsField(2); // ValueInfoProto.type
        writer.PrependString(1, "X");
        writer.WrapAsField(11); // GraphProto.input
        writer.PrependString(2, "deep_types");
        writer.WrapAsField(7); // ModelProto.graph
        writer.PrependVarintField(1, 8);
        string path = folder.File("types.onnx");
        File.WriteAllBytes(path, writer.ToArray());

        ModelOptAssert.Throws(DiagnosticCode.InvalidProtobuf, path, () => OnnxModelReader.Load(path), "nested too deeply");
    }

    [Fact]
    public void AValueProducedByTwoNodesIsRejected()
    {
        using var folder = new TempFolder();
        var graph = new GraphProto { Name = "twice" };
        graph.Input.Add(ProtoModels.ValueInfo("X", ElementType.Float, 1));
        graph.Node.Add(ProtoModels.Node("Relu", ["X"], ["Y"], name: "first"));
        graph.Node.Add(ProtoModels.Node("Neg", ["X"], ["Y"], name: "second"));
        graph.Output.Add(new ValueInfoProto { Name = "Y" });
        string path = ProtoModels.Write(ProtoModels.Model(graph), folder.File("twice.onnx"));

        ModelOptAssert.Throws(DiagnosticCode.InvalidGraph, path, () => OnnxModelReader.Load(path), "graph 'twice'", "value 'Y'", "node 'second' (Neg)");
    }

    [Fact]
    public void ANodeOutputThatShadowsAGraphInputIsRejected()
    {
        using var folder = new TempFolder();
        var graph = new GraphProto { Name = "shadow" };
        graph.Input.Add(ProtoModels.ValueInfo("X", ElementType.Float, 1));
        graph.Node.Add(ProtoModels.Node("Relu", ["X"], ["X"], name: "in_place"));
        string path = ProtoModels.Write(ProtoModels.Model(graph), folder.File("shadow.onnx"));

        ModelOptAssert.Throws(DiagnosticCode.InvalidGraph, path, () => OnnxModelReader.Load(path), "value 'X'", "node 'in_place' (Relu)");
    }

    [Fact]
    public void AnInitializerDefinedTwiceIsRejected()
    {
        using var folder = new TempFolder();
        var model = ProtoModels.InitializerModel(ProtoModels.FloatTensor("W", [1], 1f));
        model.Graph.Initializer.Add(ProtoModels.FloatTensor("W", [1], 2f));
        string path = ProtoModels.Write(model, folder.File("twice.onnx"));

        ModelOptAssert.Throws(DiagnosticCode.InvalidGraph, path, () => OnnxModelReader.Load(path), "value 'W'", "initializer");
    }

    [Fact]
    public void AnUnsortedGraphStillLoadsAndRoundTrips()
    {
        using var folder = new TempFolder();
        var graph = new GraphProto { Name = "unsorted" };
        graph.Input.Add(ProtoModels.ValueInfo("X", ElementType.Float, 1));
        graph.Node.Add(ProtoModels.Node("Neg", ["R"], ["Y"], name: "consumer"));
        graph.Node.Add(ProtoModels.Node("Relu", ["X"], ["R"], name: "producer"));
        graph.Output.Add(new ValueInfoProto { Name = "Y" });
        string path = ProtoModels.Write(ProtoModels.Model(graph), folder.File("unsorted.onnx"));

        using var model = OnnxModelReader.Load(path);
        Assert.Same(model.Graph.Nodes[1], model.Graph.Nodes[0].Inputs[0]!.Producer);
        Assert.Equal(File.ReadAllBytes(path), OnnxModelWriter.ToBytes(model));
    }

    /// <summary>
    /// A model whose main graph <c>g0</c> holds node <c>if0</c>, whose then-branch <c>g1</c> holds
    /// <c>if1</c>, and so on down to <c>g{depth}</c>: <paramref name="depth"/> levels of subgraphs.
    /// </summary>
    internal static byte[] NestedIfModel(int depth)
    {
        var writer = new PrependingProtoWriter(depth * 64 + 1024);
        writer.PrependMessage(12, ProtoModels.ValueInfo("cond", ElementType.Bool).ToByteArray()); // GraphProto.output
        writer.PrependString(2, $"g{depth}");                                            // GraphProto.name
        for (int k = depth - 1; k >= 0; k--)
        {
            writer.WrapAsField(6);              // AttributeProto.g
            writer.PrependVarintField(20, 5);   // AttributeProto.type = GRAPH
            writer.PrependString(1, "then_branch");
            writer.WrapAsField(5);              // NodeProto.attribute
            writer.PrependString(4, "If");
            writer.PrependString(3, $"if{k}");
            writer.PrependString(2, $"out{k}");
            writer.PrependString(1, "cond");
            writer.WrapAsField(1);              // GraphProto.node
            writer.PrependString(2, $"g{k}");
        }
        writer.PrependMessage(11, ProtoModels.ValueInfo("cond", ElementType.Bool).ToByteArray()); // GraphProto.input
        writer.WrapAsField(7);                  // ModelProto.graph
        writer.PrependMessage(8, new OperatorSetIdProto { Domain = "", Version = 17 }.ToByteArray());
        writer.PrependVarintField(1, 8);        // ModelProto.ir_version
        return writer.ToArray();
    }
}
