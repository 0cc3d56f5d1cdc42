using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Onnx.Tests.Serialization;

namespace ModelOpt.Onnx.Tests.Ir;

/// <summary>Attributes built or changed through the IR are what the writer writes.</summary>
public sealed class NodeAttributeTests
{
    [Fact]
    public void FactoryAttributesKeepTheirKindAndValue()
    {
        var node = new Node("Conv", [new Value("x"), new Value("w")], ["y"], name: "conv");
        node.Attributes.Add(NodeAttribute.FromInt("group", 2));
        node.Attributes.Add(NodeAttribute.FromFloat("alpha", 0.25f));
        node.Attributes.Add(NodeAttribute.FromString("auto_pad", "SAME_UPPER"));
        node.Attributes.Add(NodeAttribute.FromInts("strides", [2, 2]));
        node.Attributes.Add(NodeAttribute.FromFloats("scales", [1.5f, 2f]));

        Assert.Equal(AttributeKind.Int, node.GetAttribute("group")!.Kind);
        Assert.Equal(2, node.GetAttribute("group")!.Int);
        Assert.Equal(0.25f, node.GetAttribute("alpha")!.Float);
        Assert.Equal("SAME_UPPER", node.GetAttribute("auto_pad")!.String);
        Assert.Equal([2L, 2L], node.GetAttribute("strides")!.Ints);
        Assert.Equal([1.5f, 2f], node.GetAttribute("scales")!.Floats);
        Assert.Null(node.GetAttribute("dilations"));
    }

    [Fact]
    public void ReplacingAConstantNodesTensorIsWhatGetsSaved()
    {
        using var folder = new TempFolder();
        using var model = SampleModels.Dense();
        var value = model.Graph.Nodes.Single(n => n.OpType == "Constant").GetAttribute("value")!;
        // What a pass folding or quantizing a Constant does: swap the tensor, keep the node.
        value.Tensor = Tensor.FromFloats("C", [SampleModels.OutFeatures], Enumerable.Repeat(2f, SampleModels.OutFeatures).ToArray());

        string path = folder.File("model.onnx");
        OnnxModelWriter.Save(model, path, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });
        using var reloaded = OnnxModelReader.Load(path);
        var saved = reloaded.Graph.Nodes.Single(n => n.OpType == "Constant").GetAttribute("value")!.Tensor!;
        Assert.True(saved.IsExternal);
        Assert.All(saved.ToFloatArray(), v => Assert.Equal(2f, v));
    }

    [Fact]
    public void SubgraphAttributesExposeTheirGraphs()
    {
        using var folder = new TempFolder();
        using var model = OnnxModelReader.Load(ProtoModels.Write(SubgraphTests.IfLoopModel(), folder.File("model.onnx")));
        var ifNode = model.Graph.Nodes.Single(n => n.OpType == "If");
        Assert.Equal(AttributeKind.Graph, ifNode.GetAttribute("then_branch")!.Kind);
        Assert.Equal(["then", "else"], ifNode.Subgraphs.Select(g => g.Name));
        Assert.All(ifNode.Subgraphs, g => Assert.Same(model.Graph, g.Parent));
    }
}
