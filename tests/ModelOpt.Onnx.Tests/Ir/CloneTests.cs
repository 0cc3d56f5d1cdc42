using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Ir;

/// <summary><see cref="OnnxModel.Clone"/>: a deep copy over shared, immutable tensor bytes.</summary>
public sealed class CloneTests
{
    [Fact]
    public void A_clone_of_ResNet18_saves_to_the_same_bytes()
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        using var clone = model.Clone();

        Assert.Equal(OnnxModelWriter.ToBytes(model), OnnxModelWriter.ToBytes(clone));
        Assert.Equal(model.SourcePath, clone.SourcePath);
        Assert.NotSame(model.Graph, clone.Graph);
        Assert.NotSame(model.Graph.Nodes[0], clone.Graph.Nodes[0]);
    }

    [Fact]
    public void Changing_a_clone_leaves_the_original_as_it_was()
    {
        using var model = SmallModel();
        byte[] before = OnnxModelWriter.ToBytes(model);
        using var clone = model.Clone();

        var node = clone.Graph.Nodes[0];
        node.Name = "renamed";
        node.Attributes.Add(NodeAttribute.FromInt("extra", 1));
        clone.Graph.Initializers[0].Initializer!.Name = "w_renamed";
        clone.Graph.Initializers[0].Name = "w_renamed";
        var added = clone.Graph.AddInitializer("bias", Tensor.FromFloats("bias", [2], [1f, 2f]));
        clone.SetOpsetVersion("", 17);
        clone.SetMetadata("k", "v");

        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
        Assert.NotEqual(before, OnnxModelWriter.ToBytes(clone));
        Assert.Equal(13, model.GetOpsetVersion(""));
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name == "bias");
        Assert.Equal("bias", added.Name);
    }

    [Fact]
    public void Values_keep_their_producers_and_uses_inside_the_clone()
    {
        using var model = SmallModel();
        using var clone = model.Clone();

        var matmul = clone.Graph.Nodes.Single();
        Assert.Same(clone.Graph.Inputs[0], matmul.Inputs[0]);
        Assert.Same(matmul, clone.Graph.Outputs[0].Producer);
        Assert.Equal([new ValueUse(matmul, 0)], clone.Graph.Inputs[0].Uses);
        Assert.Same(clone.Graph, matmul.Graph);
    }

    [Fact]
    public void A_clone_of_an_external_data_model_reads_the_same_data_and_does_not_close_it()
    {
        using var folder = new TempFolder();
        string path = folder.File("external.onnx");
        using (var source = SmallModel())
        {
            OnnxModelWriter.Save(source, path, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });
        }
        using var model = OnnxModelReader.Load(path);
        var clone = model.Clone();
        var cloned = clone.Graph.Initializers[0].Initializer!;
        Assert.True(cloned.IsExternal);
        Assert.Equal(model.Graph.Initializers[0].Initializer!.ToFloatArray(), cloned.ToFloatArray());

        clone.Dispose();

        // The original still reads its external data after the clone is gone.
        Assert.Equal([1f, 2f, 3f, 4f], model.Graph.Initializers[0].Initializer!.ToFloatArray());
    }

    private static OnnxModel SmallModel()
    {
        var g = new GraphBuilder("small");
        var x = g.Input("x", 1, 2);
        var w = g.Weight("w", [2, 2], [1f, 2f, 3f, 4f]);
        g.Output(g.Op("MatMul", [x, w], "y"));
        return g.Build(13);
    }
}
