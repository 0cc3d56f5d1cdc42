using Google.Protobuf;
using System.Text.Json;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;
using ModelOpt.TestUtilities;

namespace ModelOpt.Cli.Tests.Robustness;

/// <summary>
/// Hostile and degenerate models through the whole <c>modelopt optimize</c> job (gate off, so
/// nothing but the input decides the outcome): each ends in a MOPT diagnostic that names the file
/// and says what is wrong, or in a written model with a warning; never in a crash, a hang or an
/// output left behind by a failed job. The reader's own checks have finer tests in
/// ModelOpt.Onnx.Tests/Robustness; these prove the job turns them into clean failures.
/// </summary>
public sealed class HostileModelTests
{
    [Fact]
    public void A_weight_holding_NaN_keeps_its_node_in_float_with_MOPT0020_and_the_rest_is_quantized()
    {
        using var folder = new TempFolder();
        var builder = new GraphBuilder();
        var x = builder.Input("x", 1, 4);
        var bad = builder.Weight("bad_weight", [4, 4], [float.NaN, .. Enumerable.Range(1, 15).Select(i => i * 0.1f)]);
        var good = builder.Weight("good_weight", [4, 4], [.. Enumerable.Range(0, 16).Select(i => (i % 5 - 2) * 0.25f)]);
        var infinite = builder.Weight("infinite_weight", [4, 4], [.. Enumerable.Range(0, 15).Select(i => i * 0.1f), float.PositiveInfinity]);
        var y = builder.Op("MatMul", [x, bad], "first");
        y = builder.Op("MatMul", [y, good], "second");
        y = builder.Op("MatMul", [y, infinite], "third");
        builder.Output(y);
        string model = Save(folder, builder.Build(13), "nan.onnx");

        var (run, output, report) = Optimize(folder, model, "--quantize", "Dynamic");

        Assert.Equal(0, run.ExitCode);
        Assert.True(run.Error.Contains($"{model}: warning MOPT0020: {model}: node 'first' (MatMul) is kept in float: its weight 'bad_weight' holds NaN at element 0", StringComparison.Ordinal), run.Error);
        Assert.Contains("node 'third' (MatMul) is kept in float: its weight 'infinite_weight' holds Infinity at element 15", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("'second'", run.Error, StringComparison.Ordinal);
        var precision = Precisions(report);
        Assert.Equal("Float", precision["first"]);
        Assert.Equal("Int8", precision["second"]);
        Assert.Equal("Float", precision["third"]);
        using var written = OnnxModelReader.Load(output);
        Assert.Single(written.Graph.Nodes, n => n.OpType == "MatMulInteger");
    }

    [Fact]
    public void All_zero_and_zero_length_weights_optimize_without_a_division_by_zero()
    {
        using var folder = new TempFolder();
        var builder = new GraphBuilder();
        var x = builder.Input("x", 1, 4);
        var zeros = builder.Weight("zeros", [4, 4], new float[16]);
        var empty = builder.Weight("empty", [4, 0], []);
        var y = builder.Op("MatMul", [x, zeros], "zero_matmul");
        var nothing = builder.Op("MatMul", [y, empty], "empty_matmul");
        builder.Output(y);
        builder.Output(nothing);
        string model = Save(folder, builder.Build(13), "zeros.onnx");

        var (run, output, report) = Optimize(folder, model, "--quantize", "Dynamic");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("Int8", Precisions(report)["zero_matmul"]);
        using var written = OnnxModelReader.Load(output);
        Assert.Equal(2, written.Graph.Outputs.Count);
    }

    [Fact]
    public void External_data_that_leaves_the_models_folder_is_MOPT0003_and_nothing_is_written()
    {
        using var folder = new TempFolder();
        string inner = Directory.CreateDirectory(Path.Combine(folder.Path, "model")).FullName;
        File.WriteAllBytes(Path.Combine(folder.Path, "secret.bin"), new byte[64]);
        string traversal = SaveWithExternalLocation(inner, "traversal.onnx", "../secret.bin");
        File.CreateSymbolicLink(Path.Combine(inner, "link.bin"), Path.Combine(folder.Path, "secret.bin"));
        string link = SaveWithExternalLocation(inner, "link.onnx", "link.bin");

        foreach (string model in new[] { traversal, link })
        {
            var (run, output, report) = Optimize(folder, model);
            AssertFailed(run, model, "MOPT0003", output, report);
        }
    }

    [Fact]
    public void Enormous_declared_dimensions_are_a_diagnostic_not_an_allocation()
    {
        using var folder = new TempFolder();
        var builder = new GraphBuilder();
        var x = builder.Input("x", 1, 1L << 40);
        builder.Output(builder.Op("Relu", [x], "y"));
        string model = Save(folder, builder.Build(13), "huge.onnx");

        var (run, output, report) = Optimize(folder, model, "--quantize", "Dynamic");

        Assert.True(run.ExitCode is 0 or 1, run.Error);
        Assert.DoesNotContain("MOPT0999", run.Error, StringComparison.Ordinal);
        if (run.ExitCode == 1) AssertFailed(run, model, "MOPT", output, report);
        else Assert.Contains("no validation inputs", File.ReadAllText(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Subgraphs_nested_beyond_the_limit_are_MOPT0007()
    {
        using var folder = new TempFolder();
        var graph = Relu("body0");
        for (int depth = 1; depth < 20; depth++)
        {
            var outer = new GraphProto { Name = "body" + depth };
            outer.Input.Add(FloatInfo("x"));
            outer.Output.Add(FloatInfo("y"));
            var loop = new NodeProto { Name = "if" + depth, OpType = "If", Input = { "cond" }, Output = { "y" } };
            loop.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = graph });
            // The else branch stays small: cloning the then branch would double the model per level.
            loop.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Relu("else" + depth) });
            outer.Node.Add(loop);
            graph = outer;
        }
        string model = SaveProto(folder, "nested.onnx", graph);

        var (run, output, report) = Optimize(folder, model);

        AssertFailed(run, model, "MOPT0007", output, report);
    }

    [Fact]
    public void A_cyclic_graph_is_a_diagnostic_naming_a_node_of_the_cycle()
    {
        using var folder = new TempFolder();
        var graph = new GraphProto { Name = "cycle" };
        graph.Input.Add(FloatInfo("x"));
        graph.Output.Add(FloatInfo("y"));
        graph.Node.Add(new NodeProto { Name = "a", OpType = "Add", Input = { "x", "b_out" }, Output = { "a_out" } });
        graph.Node.Add(new NodeProto { Name = "b", OpType = "Relu", Input = { "a_out" }, Output = { "b_out" } });
        graph.Node.Add(new NodeProto { Name = "c", OpType = "Relu", Input = { "b_out" }, Output = { "y" } });
        string model = SaveProto(folder, "cycle.onnx", graph);

        var (run, output, report) = Optimize(folder, model, "--quantize", "Dynamic");

        AssertFailed(run, model, "MOPT0022", output, report);
        Assert.Contains("the graph has a cycle: node 'b' (Relu) → node 'a' (Add) → node 'b' (Relu)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_with_two_producers_is_MOPT0008()
    {
        using var folder = new TempFolder();
        var graph = new GraphProto { Name = "twice" };
        graph.Input.Add(FloatInfo("x"));
        graph.Output.Add(FloatInfo("y"));
        graph.Node.Add(new NodeProto { Name = "first", OpType = "Relu", Input = { "x" }, Output = { "y" } });
        graph.Node.Add(new NodeProto { Name = "second", OpType = "Sigmoid", Input = { "x" }, Output = { "y" } });
        string model = SaveProto(folder, "twice.onnx", graph);

        var (run, output, report) = Optimize(folder, model);

        AssertFailed(run, model, "MOPT0008", output, report);
    }

    [Fact]
    public void A_custom_operator_ONNX_Runtime_cannot_load_says_how_to_go_on()
    {
        using var folder = new TempFolder();
        var graph = new GraphProto { Name = "custom" };
        graph.Input.Add(FloatInfo("x"));
        graph.Output.Add(FloatInfo("y"));
        graph.Node.Add(new NodeProto { Name = "mystery", OpType = "Mystery", Domain = "com.example", Input = { "x" }, Output = { "y" } });
        string model = SaveProto(folder, "custom.onnx", graph, ("com.example", 1));

        var (run, output, report) = Optimize(folder, model, "--quantize", "Dynamic");

        AssertFailed(run, model, "MOPT0021", output, report);
        Assert.Contains("node 'mystery' (com.example.Mystery): a custom operator that ONNX Runtime cannot load without its custom-op library", run.Error, StringComparison.Ordinal);
        Assert.Contains("remove the model from OptimizeModel", run.Error, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args) => Cli.Run(args);

    private static ((int ExitCode, string Output, string Error) Run, string Output, string Report) Optimize(TempFolder folder, string model, params string[] options)
    {
        string output = Path.Combine(folder.Path, "out", Path.GetFileName(model));
        string report = Path.ChangeExtension(output, ".json");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var run = Run(["optimize", model, "-o", output, "--report", report, "--min-cosine-similarity", "0", "--latency-runs", "1", .. options]);
        return (run, output, report);
    }

    private static void AssertFailed((int ExitCode, string Output, string Error) run, string model, string code, string output, string report)
    {
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}: {run.Error}");
        Assert.True(run.Error.Contains($"{model}: error {code}", StringComparison.Ordinal), run.Error);
        Assert.DoesNotContain("MOPT0999", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output), "a failed job must leave no model");
        Assert.False(File.Exists(report), "a failed job must leave no report");
    }

    private static Dictionary<string, string> Precisions(string report)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        return json.RootElement.GetProperty("nodes").EnumerateArray()
            .ToDictionary(n => n.GetProperty("nodeName").GetString()!, n => n.GetProperty("precision").GetString()!);
    }

    private static string Save(TempFolder folder, OnnxModel model, string name)
    {
        string path = Path.Combine(folder.Path, name);
        using (model) OnnxModelWriter.Save(model, path);
        return path;
    }

    private static string SaveWithExternalLocation(string folder, string name, string location)
    {
        var graph = new GraphProto { Name = "external" };
        graph.Input.Add(FloatInfo("x"));
        graph.Output.Add(FloatInfo("y"));
        var weight = new TensorProto { Name = "w", DataType = (int)ElementType.Float, Dims = { 4, 4 }, DataLocation = TensorProto.Types.DataLocation.External };
        weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        weight.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "64" });
        graph.Initializer.Add(weight);
        graph.Node.Add(new NodeProto { Name = "matmul", OpType = "MatMul", Input = { "x", "w" }, Output = { "y" } });
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, Model(graph).ToByteArray());
        return path;
    }

    private static string SaveProto(TempFolder folder, string name, GraphProto graph, params (string Domain, long Version)[] extraOpsets)
    {
        string path = Path.Combine(folder.Path, name);
        File.WriteAllBytes(path, Model(graph, extraOpsets).ToByteArray());
        return path;
    }

    private static ModelProto Model(GraphProto graph, params (string Domain, long Version)[] extraOpsets)
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        foreach (var (domain, version) in extraOpsets) model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        return model;
    }

    private static GraphProto Relu(string name)
    {
        var graph = new GraphProto { Name = name };
        graph.Input.Add(FloatInfo("x"));
        graph.Output.Add(FloatInfo("y"));
        graph.Node.Add(new NodeProto { Name = name + "_relu", OpType = "Relu", Input = { "x" }, Output = { "y" } });
        return graph;
    }

    private static ValueInfoProto FloatInfo(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 1 });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 4 });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)ElementType.Float, Shape = shape } } };
    }
}
