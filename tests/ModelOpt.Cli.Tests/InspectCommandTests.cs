using System.Text.Json;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Cli.Tests;

public sealed class InspectCommandTests
{
    private static string ResNet18Path => TestData.ResNet18Path;

    private static (int ExitCode, string Output, string Error) Run(params string[] args) => Cli.Run(args);

    [Fact]
    public void Text_report_of_ResNet18_names_its_structure_and_weights()
    {
        var (exitCode, output, error) = Run("inspect", ResNet18Path);

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Contains("producer:     CNTK 2.6", output, StringComparison.Ordinal);
        Assert.Contains("opsets:       ai.onnx 8", output, StringComparison.Ordinal);
        Assert.Contains("Input247: FLOAT[1,3,224,224]", output, StringComparison.Ordinal);
        Assert.Matches(@"Conv\s+22", output);
        Assert.Matches(@"BatchNormalization\s+22", output);
        Assert.Contains("parameters:   15,908,800", output, StringComparison.Ordinal);
        Assert.Contains("initializers: 110 tensors, 63,635,200 bytes", output, StringComparison.Ordinal);
        Assert.Contains("external data: none", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_report_carries_symbolic_dimensions_constants_and_external_data()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "tiny model.onnx");
        WriteModelWithSymbolicBatchAndConstant(path);

        var (exitCode, output, _) = Run("inspect", path, "--json");

        Assert.Equal(0, exitCode);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(["batch", "4"], root.GetProperty("inputs")[0].GetProperty("shape").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, root.GetProperty("constantNodes").GetProperty("tensors").GetInt32());
        Assert.Equal(1, root.GetProperty("initializers").GetProperty("tensors").GetInt32());
        Assert.Equal(4 * 4 + 4, root.GetProperty("parameterCount").GetInt64());
        var external = root.GetProperty("externalDataFiles")[0];
        Assert.Equal("tiny model.onnx.data", external.GetProperty("location").GetString());
        Assert.Equal(64, external.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public void Missing_model_is_a_canonical_MOPT0001_error()
    {
        var (exitCode, _, error) = Run("inspect", "/nonexistent/model.onnx");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("/nonexistent/model.onnx: error MOPT0001:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Response_file_passes_paths_with_spaces_and_non_ascii_letters()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "modèle @ été; v1.onnx");
        WriteModelWithSymbolicBatchAndConstant(path);
        string responseFile = Path.Combine(folder.Path, "args.rsp");
        File.WriteAllLines(responseFile, ["inspect", path, "--json"]);

        var (exitCode, output, _) = Run("@" + responseFile);

        Assert.Equal(0, exitCode);
        Assert.Equal(path, JsonDocument.Parse(output).RootElement.GetProperty("path").GetString());
    }

    [Fact]
    public void Unknown_command_and_bad_usage_are_usage_errors()
    {
        Assert.Equal(2, Run("frobnicate").ExitCode);
        Assert.Contains("error MOPT0010", Run("frobnicate").Error, StringComparison.Ordinal);
        Assert.Equal(2, Run("inspect").ExitCode);
        Assert.Equal(2, Run().ExitCode);
    }

    /// <summary>y = (x + c) @ W with x: [batch, 4], c from a Constant node, W an initializer saved externally.</summary>
    private static void WriteModelWithSymbolicBatchAndConstant(string path)
    {
        var graph = new Graph("tiny");
        var inputType = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float, Shape = new TensorShapeProto() } };
        inputType.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        inputType.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 4 });
        var x = new Value("x", inputType);
        graph.Inputs.Add(x);

        var constant = new Node("Constant", [], ["c"]);
        constant.Attributes.Add(NodeAttribute.FromTensor("value", Tensor.FromFloats("", [4], [1f, 2f, 3f, 4f])));
        graph.AddNode(constant);
        var add = new Node("Add", [x, constant.Outputs[0]], ["sum"]);
        graph.AddNode(add);
        var weights = graph.AddInitializer("W", Tensor.FromFloats("W", [4, 4], new float[16]));
        var matMul = new Node("MatMul", [add.Outputs[0], weights], ["y"]);
        graph.AddNode(matMul);
        graph.Outputs.Add(matMul.Outputs[0]!);

        using var model = new OnnxModel(graph, opsetVersion: 17);
        OnnxModelWriter.Save(model, path, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 64 });
    }
}
