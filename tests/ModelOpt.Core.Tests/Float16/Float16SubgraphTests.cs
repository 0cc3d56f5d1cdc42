using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>If/Loop/Scan bodies are converted with their node and agree in type with the values they share with the outer graph.</summary>
public sealed class Float16SubgraphTests
{
    private static readonly float[] X = Numbers.Uniform(8, seed: 180);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IfBranchesAgreeWithTheOuterValuesTheyUse(bool condition)
    {
        var model = IfModel();
        var expected = Run(model, condition);
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        var branch = Float16Graphs.Node(model, "branch");
        foreach (var body in branch.Subgraphs)
        {
            Assert.All(body.Outputs, o => Assert.Equal(ElementType.Float16, ElementTypeInference.Infer(model)[o]));
        }
        // The then branch passes on the outer input X (FLOAT by KeepIoTypes), narrowed by a Cast in the outer graph.
        var thenBranch = branch.GetAttribute("then_branch")!.Graph!;
        var narrowed = thenBranch.Outputs[1].Producer!.Inputs[0]!.Producer!;
        Assert.Equal(("Cast", "X"), (narrowed.OpType, narrowed.Inputs[0]!.Name));
        Assert.Same(model.Graph, narrowed.Graph);
        Assert.Equal(ElementType.Float16, thenBranch.Nodes.Single(n => n.OpType == "Constant").GetAttribute("value")!.Tensor!.ElementType);
        Assert.Equal(ElementType.Float16, model.Graph.Initializers.Single(v => v.Name == "Welse").Initializer!.ElementType);
        Assert.Contains(result.Report.Nodes, n => n is { NodeName: "then_sum", Precision: NodePrecision.Float16 });
        Assert.Contains(result.Report.Nodes, n => n is { NodeName: "branch", Precision: NodePrecision.Float16 });
        Float16Graphs.AssertCleanCasts(model);

        var actual = Run(model, condition);
        for (int i = 0; i < 2; i++) Numbers.AssertClose(expected[i], actual[i], 5e-3 * Math.Max(1, Numbers.MaxAbs(expected[i])));
    }

    [Fact]
    public void AnExcludedIfKeepsItsBranchesInFloat()
    {
        var model = IfModel();
        var expected = Run(model, true);
        var pass = new Float16ConversionPass(new Float16ConversionOptions { Exclusions = NodeFilter.ForNodes("branch") });

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal("inside node 'branch' (If), which stays in FLOAT", result.Report.Nodes.Single(n => n.NodeName == "then_sum").Reason);
        Assert.Equal(ElementType.Float, model.Graph.Initializers.Single(v => v.Name == "Welse").Initializer!.ElementType);
        // h is computed in FLOAT16 outside and read in FLOAT inside: one Cast in the outer graph serves both branches.
        var h = Float16Graphs.Node(model, "h").Outputs[0]!;
        var widened = Assert.Single(h.Uses).Node;
        Assert.Equal(("Cast", ElementType.Float), (widened.OpType, Float16Graphs.CastTarget(widened)));
        Assert.Same(model.Graph, widened.Graph);
        Assert.Equal(3, widened.Outputs[0]!.Uses.Count);
        Float16Graphs.AssertCleanCasts(model);
        var actual = Run(model, true);
        for (int i = 0; i < 2; i++) Numbers.AssertClose(expected[i], actual[i], 5e-3 * Math.Max(1, Numbers.MaxAbs(expected[i])));
    }

    [Fact]
    public void LoopBodiesCarryFloat16()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 4);
        var trips = b.Int64s("M", 3);
        var always = b.Graph.AddInitializer("cond", Tensor.FromRawData("cond", ElementType.Bool, [], new byte[] { 1 }));
        var bias = b.Weight("Wl", [4], Numbers.Uniform(4, seed: 181));
        var body = new Graph("body");
        var iteration = new Value("i", GraphBuilder.TensorType(ElementType.Int64));
        var conditionIn = new Value("c", GraphBuilder.TensorType(ElementType.Bool));
        var carried = new Value("v", GraphBuilder.TensorType(ElementType.Float, 2, 4));
        body.Inputs.AddRange([iteration, conditionIn, carried]);
        var sum = new Node("Add", [carried, bias], ["v_sum"], "body_add");
        var squashed = new Node("Tanh", [sum.Outputs[0]], ["v_next"], "body_tanh");
        var conditionOut = new Node("Identity", [conditionIn], ["c_out"], "body_cond");
        foreach (var node in new[] { sum, squashed, conditionOut }) body.AddNode(node);
        conditionOut.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Bool);
        squashed.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, 2, 4);
        sum.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, 2, 4);
        body.Outputs.AddRange([conditionOut.Outputs[0]!, squashed.Outputs[0]!, sum.Outputs[0]!]);
        // Loop's scan output is not a view of the trip count but of trips × [2, 4].
        var loop = b.Node("Loop", [trips, always, x], ["final", "history"], "loop", NodeAttribute.FromGraph("body", body));
        var model = b.Output(loop.Outputs[0]!).Output(loop.Outputs[1]!).Build(opset: 13);
        var input = new FloatInput("X", X, [2, 4]);
        var expected = OrtRunner.Run(model, input);

        Assert.True(new Float16ConversionPass().Run(model).Modified);

        Assert.Equal(ElementType.Float16, carried.ElementType);
        Assert.All(body.Outputs.Skip(1), o => Assert.Equal(ElementType.Float16, o.ElementType));
        Assert.Equal(ElementType.Float16, model.Graph.Initializers.Single(v => v.Name == "Wl").Initializer!.ElementType);
        Float16Graphs.AssertCleanCasts(model);
        var actual = OrtRunner.Run(model, input);
        for (int i = 0; i < 2; i++) Numbers.AssertClose(expected[i], actual[i], 5e-3);
    }

    [Fact]
    public void ScanBodiesCarryFloat16()
    {
        var b = new GraphBuilder();
        var initial = b.Weight("S0", [4], Numbers.Uniform(4, seed: 182));
        var rows = b.Input("X", 2, 4);
        var body = new Graph("body");
        var state = new Value("s", GraphBuilder.TensorType(ElementType.Float, 4));
        var row = new Value("r", GraphBuilder.TensorType(ElementType.Float, 4));
        body.Inputs.AddRange([state, row]);
        var add = new Node("Add", [state, row], ["s_next"], "body_add");
        var scaled = new Node("Mul", [add.Outputs[0], add.Outputs[0]], ["s_squared"], "body_mul");
        body.AddNode(add);
        body.AddNode(scaled);
        add.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, 4);
        scaled.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, 4);
        body.Outputs.AddRange([add.Outputs[0]!, scaled.Outputs[0]!]);
        var scan = b.Node("Scan", [initial, rows], ["total", "squares"], "scan",
            NodeAttribute.FromGraph("body", body), NodeAttribute.FromInt("num_scan_inputs", 1));
        var model = b.Output(scan.Outputs[0]!).Output(scan.Outputs[1]!).Build(opset: 13);
        var input = new FloatInput("X", X, [2, 4]);
        var expected = OrtRunner.Run(model, input);

        Assert.True(new Float16ConversionPass().Run(model).Modified);

        Assert.All(body.Inputs, v => Assert.Equal(ElementType.Float16, v.ElementType));
        Float16Graphs.AssertCleanCasts(model);
        var actual = OrtRunner.Run(model, input);
        for (int i = 0; i < 2; i++) Numbers.AssertClose(expected[i], actual[i], 5e-3 * Math.Max(1, Numbers.MaxAbs(expected[i])));
    }

    /// <summary>
    /// h = X·W outside; If(C): then returns (h + constant, X), else (h ⊙ Welse, h), both reading
    /// outer values; Y1 = Relu(first), Y2 = Neg(second). ONNX Runtime rejects a body that returns
    /// an outer value directly, so the pass-throughs are Identity nodes.
    /// </summary>
    private static OnnxModel IfModel()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 4);
        var c = b.Input("C", ElementType.Bool);
        var h = b.Op("MatMul", [x, b.Weight("W", [4, 4], Numbers.Uniform(16, seed: 183))], "h");
        var welse = b.Weight("Welse", [4], Numbers.Uniform(4, seed: 184));

        var thenBranch = new Graph("then");
        var constant = new Node("Constant", [], ["then_c"], "then_const");
        constant.Attributes.Add(NodeAttribute.FromTensor("value", Tensor.FromFloats("then_c", [4], Numbers.Uniform(4, seed: 185))));
        var thenSum = new Node("Add", [h, constant.Outputs[0]], ["then_sum"], "then_sum");
        var thenPass = new Node("Identity", [x], ["then_x"], "then_x");
        foreach (var node in new[] { constant, thenSum, thenPass }) thenBranch.AddNode(node);
        thenSum.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, 2, 4);
        thenPass.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, 2, 4);
        thenBranch.Outputs.AddRange([thenSum.Outputs[0]!, thenPass.Outputs[0]!]);

        var elseBranch = new Graph("else");
        var elseProduct = new Node("Mul", [h, welse], ["else_prod"], "else_prod");
        var elsePass = new Node("Identity", [h], ["else_h"], "else_h");
        elseBranch.AddNode(elseProduct);
        elseBranch.AddNode(elsePass);
        elseProduct.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, 2, 4);
        elsePass.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, 2, 4);
        elseBranch.Outputs.AddRange([elseProduct.Outputs[0]!, elsePass.Outputs[0]!]);

        var branch = b.Node("If", [c], ["first", "second"], "branch",
            NodeAttribute.FromGraph("then_branch", thenBranch), NodeAttribute.FromGraph("else_branch", elseBranch));
        return b.Output(b.Op("Relu", [branch.Outputs[0]], "Y1")).Output(b.Op("Neg", [branch.Outputs[1]], "Y2")).Build(opset: 13);
    }

    private static float[][] Run(OnnxModel model, bool condition)
        => Float16Graphs.Run(model,
            ("X", OrtValue.CreateTensorValueFromMemory(X, [2, 4])),
            ("C", OrtValue.CreateTensorValueFromMemory(new[] { condition }, [])));
}
