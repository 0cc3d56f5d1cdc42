using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>Sparse initializers (ONNX IR spec: <c>sparse_initializer</c>, values at linearized indices of a dense shape).</summary>
public sealed class SparseTensorTests
{
    [Fact]
    public void SparseInitializersLoadRoundTripAndRunInOnnxRuntime()
    {
        using var folder = new TempFolder();
        var original = SparseModelProto();
        string path = ProtoModels.Write(original, folder.File("sparse.onnx"));
        using var model = OnnxModelReader.Load(path);

        var value = model.Graph.SparseInitializers.Single();
        Assert.Equal("S", value.Name);
        Assert.Empty(model.Graph.Initializers);
        var sparse = value.SparseInitializer!;
        Assert.Equal([2L, 4L], sparse.Dims);
        Assert.Equal([1f, 2f, 3f], sparse.Values.ToFloatArray());
        Assert.Equal(ElementType.Int64, sparse.Indices.ElementType);
        Assert.Same(value, model.Graph.Nodes.Single().Inputs[1]);

        string saved = folder.File("saved.onnx");
        OnnxModelWriter.Save(model, saved);
        Assert.Equal(original, ProtoModels.Read(saved));
        // Dense form: [[1, 0, 0, 0], [0, 2, 0, 3]] added to the input.
        Assert.Equal([1f, 0f, 0f, 0f, 0f, 2f, 0f, 3f], OrtRunner.RunByName(saved, new FloatInput("X", new float[8], [2, 4]))["Y"]);
    }

    [Fact]
    public void RenamingASparseInitializerRenamesItsValuesTensor()
    {
        using var folder = new TempFolder();
        using var model = OnnxModelReader.Load(ProtoModels.Write(SparseModelProto(), folder.File("sparse.onnx")));
        model.Graph.SparseInitializers.Single().Name = "renamed";
        var proto = OnnxModelWriter.ToProto(model);
        Assert.Equal("renamed", proto.Graph.SparseInitializer.Single().Values.Name);
        Assert.Equal(["X", "renamed"], proto.Graph.Node.Single().Input);
    }

    [Fact]
    public void SparseInitializersAndTheirExternalPartsRoundTrip()
    {
        using var folder = new TempFolder();
        string source = ProtoModels.Write(SparseModelProto(), folder.File("sparse.onnx"));
        using var model = OnnxModelReader.Load(source);
        string external = folder.File("sparse-external.onnx");
        OnnxModelWriter.Save(model, external, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });

        using var reloaded = OnnxModelReader.Load(external);
        var sparse = reloaded.Graph.SparseInitializers.Single().SparseInitializer!;
        Assert.True(sparse.Values.IsExternal);
        Assert.True(sparse.Indices.IsExternal);
        Assert.Equal([2L, 4L], sparse.Dims);
        Assert.Equal([1f, 2f, 3f], sparse.Values.ToFloatArray());
        Assert.Equal(model.Graph.SparseInitializers.Single().SparseInitializer!.Indices.GetRawData().ToArray(), sparse.Indices.GetRawData().ToArray());
    }

    /// <summary>A [2,4] sparse initializer with three values, added to a dense input.</summary>
    internal static ModelProto SparseModelProto()
    {
        var graph = new GraphProto { Name = "sparse" };
        var values = ProtoModels.FloatTensor("S", [3], 1f, 2f, 3f);
        var indices = new TensorProto { Name = "S_indices", DataType = (int)ElementType.Int64 };
        indices.Dims.Add(3);
        indices.Int64Data.Add([0L, 5L, 7L]);
        var sparse = new SparseTensorProto { Values = values, Indices = indices };
        sparse.Dims.Add([2L, 4L]);
        graph.SparseInitializer.Add(sparse);
        graph.Input.Add(ProtoModels.ValueInfo("X", ElementType.Float, 2, 4));
        graph.Node.Add(ProtoModels.Node("Add", ["X", "S"], ["Y"], name: "add"));
        graph.Output.Add(ProtoModels.ValueInfo("Y", ElementType.Float, 2, 4));
        return ProtoModels.Model(graph);
    }
}
