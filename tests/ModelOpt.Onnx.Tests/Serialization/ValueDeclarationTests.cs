using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>
/// A value can be declared more than once (an output that is also an input, a value_info
/// entry, a subgraph output naming an outer value). Each declaration must come back as the
/// file had it, unless a pass retyped the value.
/// </summary>
public sealed class ValueDeclarationTests
{
    [Fact]
    public void Differing_declarations_of_one_value_survive_a_round_trip()
    {
        using var folder = new TempFolder();
        var graph = new GraphProto { Name = "g" };
        var input = ProtoModels.ValueInfo("x", ElementType.Float, 2, 3);
        input.DocString = "as an input";
        var output = ProtoModels.ValueInfo("x", ElementType.Float, 2, 3);
        output.DocString = "as an output";
        var relu = ProtoModels.ValueInfo("y", ElementType.Float, 2, 3);
        var reluInfo = ProtoModels.ValueInfo("y", ElementType.Float);
        reluInfo.DocString = "looser value_info";
        graph.Input.Add(input);
        graph.Node.Add(ProtoModels.Node("Relu", ["x"], ["y"], "relu"));
        graph.Output.Add(output);
        graph.Output.Add(relu);
        graph.ValueInfo.Add(reluInfo);
        var original = ProtoModels.Model(graph);
        string path = ProtoModels.Write(original, folder.File("m.onnx"));

        using var model = OnnxModelReader.Load(path);
        OnnxModelWriter.Save(model, folder.File("saved.onnx"));

        Assert.Equal(original, ProtoModels.Read(folder.File("saved.onnx")));
    }

    [Fact]
    public void A_retyped_value_is_written_with_its_new_type_everywhere()
    {
        using var folder = new TempFolder();
        var graph = new GraphProto { Name = "g" };
        var input = ProtoModels.ValueInfo("x", ElementType.Float, 2);
        var output = ProtoModels.ValueInfo("x", ElementType.Float, 2);
        output.DocString = "as an output";
        graph.Input.Add(input);
        graph.Output.Add(output);
        string path = ProtoModels.Write(ProtoModels.Model(graph), folder.File("m.onnx"));

        using var model = OnnxModelReader.Load(path);
        model.Graph.Inputs[0].Type = ProtoModels.TensorType(ElementType.Float16, 2);
        OnnxModelWriter.Save(model, folder.File("saved.onnx"));

        var saved = ProtoModels.Read(folder.File("saved.onnx"));
        Assert.Equal((int)ElementType.Float16, saved.Graph.Input[0].Type.TensorType.ElemType);
        Assert.Equal((int)ElementType.Float16, saved.Graph.Output[0].Type.TensorType.ElemType);
    }
}
