using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>Model-level fields: model-local functions, metadata_props, opset imports of several domains.</summary>
public sealed class ModelPropertiesTests
{
    [Fact]
    public void FunctionsMetadataAndOpsetsSurviveAndTheModelStillRuns()
    {
        using var folder = new TempFolder();
        var original = FunctionModel();
        string path = ProtoModels.Write(original, folder.File("model.onnx"));
        using var model = OnnxModelReader.Load(path);

        Assert.Equal(["custom.fn.AddTwice"], model.FunctionNames);
        Assert.Equal(
            [new OpsetImport("", 17), new OpsetImport("com.microsoft", 1), new OpsetImport("custom.fn", 1)],
            model.OpsetImports);
        Assert.Equal(17, model.GetOpsetVersion("ai.onnx"));
        Assert.Equal(1, model.GetOpsetVersion("com.microsoft"));
        Assert.Null(model.GetOpsetVersion("ai.onnx.ml"));
        Assert.Equal([KeyValuePair.Create("author", "tests"), KeyValuePair.Create("license", "MIT")], model.MetadataProps);
        Assert.Equal("com.microsoft", model.Graph.Nodes.Single(n => n.OpType == "Gelu").Domain);

        string saved = folder.File("saved.onnx");
        OnnxModelWriter.Save(model, saved);
        Assert.Equal(original, ProtoModels.Read(saved));

        var expected = OrtRunner.RunByName(path, new FloatInput("X", [0.5f, -1f, 2f], [3]))["Y"];
        Assert.Equal(expected, OrtRunner.RunByName(saved, new FloatInput("X", [0.5f, -1f, 2f], [3]))["Y"]);
    }

    [Fact]
    public void SettersReplaceEntriesInsteadOfDuplicatingThem()
    {
        using var folder = new TempFolder();
        using var model = OnnxModelReader.Load(ProtoModels.Write(FunctionModel(), folder.File("model.onnx")));
        model.SetMetadata("license", "Apache-2.0");
        model.SetMetadata("quantized", "int8");
        model.SetOpsetVersion("ai.onnx", 21);
        model.SetOpsetVersion("ai.onnx.ml", 3);

        var saved = OnnxModelWriter.ToProto(model);
        Assert.Equal(["author=tests", "license=Apache-2.0", "quantized=int8"], saved.MetadataProps.Select(p => p.Key + "=" + p.Value));
        Assert.Equal(["=21", "com.microsoft=1", "custom.fn=1", "ai.onnx.ml=3"], saved.OpsetImport.Select(o => o.Domain + "=" + o.Version));
        Assert.Equal(FunctionModel().Functions, saved.Functions);
    }

    /// <summary><c>Y = Gelu(AddTwice(X, X))</c> with AddTwice a model-local function and Gelu an ONNX Runtime contrib op.</summary>
    internal static ModelProto FunctionModel()
    {
        var function = new FunctionProto { Name = "AddTwice", Domain = "custom.fn", DocString = "(A + B) + B" };
        function.Input.Add(["A", "B"]);
        function.Output.Add("C");
        function.Node.Add(ProtoModels.Node("Add", ["A", "B"], ["AB"]));
        function.Node.Add(ProtoModels.Node("Add", ["AB", "B"], ["C"]));
        function.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });

        var graph = new GraphProto { Name = "functions" };
        graph.Input.Add(ProtoModels.ValueInfo("X", ElementType.Float, 3));
        graph.Node.Add(ProtoModels.Node("AddTwice", ["X", "X"], ["T"], name: "add_twice", domain: "custom.fn"));
        graph.Node.Add(ProtoModels.Node("Gelu", ["T"], ["Y"], name: "gelu", domain: "com.microsoft"));
        graph.Output.Add(ProtoModels.ValueInfo("Y", ElementType.Float, 3));

        var model = ProtoModels.Model(graph);
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "custom.fn", Version = 1 });
        model.Functions.Add(function);
        model.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "tests" });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "license", Value = "MIT" });
        return model;
    }
}
