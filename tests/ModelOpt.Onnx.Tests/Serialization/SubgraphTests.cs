using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>If and Loop bodies that read values of the enclosing graph (ONNX IR spec, "Names Within a Graph": outer-scope names).</summary>
public sealed class SubgraphTests
{
    [Fact]
    public void OuterScopeReferencesAreTheOuterValueObject()
    {
        using var folder = new TempFolder();
        string path = ProtoModels.Write(IfLoopModel(), folder.File("model.onnx"));
        using var model = OnnxModelReader.Load(path);

        var main = model.Graph;
        var bias = main.Initializers.Single(v => v.Name == "bias");
        var x = main.Inputs.Single(v => v.Name == "X");
        var ifNode = main.Nodes.Single(n => n.OpType == "If");
        var loopNode = main.Nodes.Single(n => n.OpType == "Loop");
        var thenBranch = ifNode.GetAttribute("then_branch")!.Graph!;
        var elseBranch = ifNode.GetAttribute("else_branch")!.Graph!;
        var body = loopNode.GetAttribute("body")!.Graph!;

        Assert.Same(main, thenBranch.Parent);
        Assert.Same(main, body.Parent);
        var thenAdd = thenBranch.Nodes.Single();
        Assert.Same(x, thenAdd.Inputs[0]);
        Assert.Same(bias, thenAdd.Inputs[1]);
        Assert.Same(bias, elseBranch.Nodes.Single().Inputs[1]);
        var bodyAdd = body.Nodes.Single(n => n.OpType == "Add");
        Assert.Same(bias, bodyAdd.Inputs[1]);
        // The body's own inputs are its own values, not the outer ones.
        Assert.Same(body.Inputs[2], bodyAdd.Inputs[0]);
        Assert.Same(ifNode.Outputs[0], loopNode.Inputs[2]);

        // The outer value knows every reader, inside subgraphs too.
        Assert.Equal(
            new[] { thenAdd, elseBranch.Nodes.Single(), bodyAdd }.OrderBy(n => n.Name),
            bias.Uses.Select(u => u.Node).OrderBy(n => n.Name));
        Assert.Equal(4, model.Graph.AllGraphs().Count());
        Assert.Equal(["if", "then_add", "else_sub", "loop", "body_cond", "body_add"], model.Graph.AllNodes().Select(n => n.Name));
    }

    [Fact]
    public void SubgraphModelRoundTripsUnchangedAndRunsInOnnxRuntime()
    {
        using var folder = new TempFolder();
        var original = IfLoopModel();
        string path = ProtoModels.Write(original, folder.File("model.onnx"));
        using var model = OnnxModelReader.Load(path);
        string saved = folder.File("saved.onnx");
        OnnxModelWriter.Save(model, saved);

        Assert.Equal(original, ProtoModels.Read(saved));
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(saved));
        // then-branch (cond is true): X + bias, then three loop iterations add bias again.
        var y = OrtRunner.RunByName(saved, new FloatInput("X", [1f, 2f], [2]))["Z"];
        Assert.Equal([1f + 4 * 0.5f, 2f + 4 * -1f], y);
    }

    [Fact]
    public void RenamingAnOuterValueRenamesItsUsesInsideSubgraphs()
    {
        using var folder = new TempFolder();
        string path = ProtoModels.Write(IfLoopModel(), folder.File("model.onnx"));
        using var model = OnnxModelReader.Load(path);
        model.Graph.Initializers.Single(v => v.Name == "bias").Name = "offset";

        var saved = OnnxModelWriter.ToProto(model);
        Assert.Equal("offset", saved.Graph.Initializer.Single(t => t.DataType == (int)ElementType.Float).Name);
        var ifNode = saved.Graph.Node.Single(n => n.OpType == "If");
        Assert.Equal(["X", "offset"], ifNode.Attribute.Single(a => a.Name == "then_branch").G.Node.Single().Input);
        var body = saved.Graph.Node.Single(n => n.OpType == "Loop").Attribute.Single().G;
        Assert.Equal(["acc", "offset"], body.Node.Single(n => n.OpType == "Add").Input);
    }

    [Fact]
    public void BackendSuiteSubgraphModelsResolveOuterNamesToOuterValues()
    {
        foreach (string name in new[] { "test_if", "test_loop11", "test_scan9_sum", "test_if_seq" })
        {
            string path = Path.Combine(TestData.OnnxBackendSuite, "node", name, "model.onnx");
            using var model = OnnxModelReader.Load(path);
            foreach (var graph in model.Graph.AllGraphs().Where(g => g.Parent is not null))
            {
                var outer = graph.Parent!.AllGraphs().SelectMany(g => g.Nodes.SelectMany(n => n.Outputs).Concat(g.Inputs).Concat(g.Initializers))
                    .OfType<Value>().GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.First());
                var local = new HashSet<Value>(graph.Inputs.Concat(graph.Initializers).Concat(graph.Nodes.SelectMany(n => n.Outputs).OfType<Value>()));
                foreach (var input in graph.Nodes.SelectMany(n => n.Inputs).OfType<Value>().Where(v => !local.Contains(v)))
                {
                    Assert.True(outer.TryGetValue(input.Name, out var outerValue), $"{name}: '{input.Name}' is neither local nor outer");
                    Assert.Same(outerValue, input);
                }
            }
            Assert.Equal(File.ReadAllBytes(path), OnnxModelWriter.ToBytes(model));
        }
    }

    /// <summary>
    /// <c>Z = Loop(3, acc := If(cond, X + bias, X - bias); acc += bias)</c>: both If branches and
    /// the Loop body read <c>bias</c> (and the then-branch <c>X</c>) from the main graph.
    /// </summary>
    internal static ModelProto IfLoopModel()
    {
        var thenBranch = new GraphProto { Name = "then" };
        thenBranch.Node.Add(ProtoModels.Node("Add", ["X", "bias"], ["then_out"], name: "then_add"));
        thenBranch.Output.Add(ProtoModels.ValueInfo("then_out", ElementType.Float, 2));
        var elseBranch = new GraphProto { Name = "else" };
        elseBranch.Node.Add(ProtoModels.Node("Sub", ["X", "bias"], ["else_out"], name: "else_sub"));
        elseBranch.Output.Add(ProtoModels.ValueInfo("else_out", ElementType.Float, 2));

        var body = new GraphProto { Name = "body" };
        body.Input.Add(ProtoModels.ValueInfo("iteration", ElementType.Int64));
        body.Input.Add(ProtoModels.ValueInfo("cond_in", ElementType.Bool));
        body.Input.Add(ProtoModels.ValueInfo("acc", ElementType.Float, 2));
        body.Node.Add(ProtoModels.Node("Identity", ["cond_in"], ["cond_out"], name: "body_cond"));
        body.Node.Add(ProtoModels.Node("Add", ["acc", "bias"], ["acc_out"], name: "body_add"));
        body.Output.Add(ProtoModels.ValueInfo("cond_out", ElementType.Bool));
        body.Output.Add(ProtoModels.ValueInfo("acc_out", ElementType.Float, 2));

        var graph = new GraphProto { Name = "if_loop" };
        graph.Input.Add(ProtoModels.ValueInfo("X", ElementType.Float, 2));
        graph.Initializer.Add(ProtoModels.FloatTensor("bias", [2], 0.5f, -1f));
        graph.Initializer.Add(ProtoModels.RawTensor("cond", ElementType.Bool, [], [1]));
        var trips = new TensorProto { Name = "trips", DataType = (int)ElementType.Int64 };
        trips.Int64Data.Add(3);
        graph.Initializer.Add(trips);
        var ifNode = ProtoModels.Node("If", ["cond"], ["Y"], name: "if");
        ifNode.Attribute.Add(ProtoModels.GraphAttribute("then_branch", thenBranch));
        ifNode.Attribute.Add(ProtoModels.GraphAttribute("else_branch", elseBranch));
        var loopNode = ProtoModels.Node("Loop", ["trips", "", "Y"], ["Z"], name: "loop");
        loopNode.Attribute.Add(ProtoModels.GraphAttribute("body", body));
        graph.Node.Add(ifNode);
        graph.Node.Add(loopNode);
        graph.Output.Add(ProtoModels.ValueInfo("Z", ElementType.Float, 2));
        return ProtoModels.Model(graph);
    }
}
