using ModelOpt.Core.Opsets;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Opsets;

/// <summary>
/// One small model per schema change the upgrade rewrites: ONNX Runtime runs the model before
/// (at its old opset) and after, and the outputs must agree.
/// </summary>
public sealed class OpsetUpgradePassTests
{
    private static readonly FloatInput X234 = new("X", Numbers.Uniform(24, seed: 1), [2, 3, 4]);

    [Fact]
    public void BatchNormalizationSpatialOneLosesTheAttribute()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, 4, 4);
        var y = b.Op("BatchNormalization", [x, Channel(b, "scale", 1), Channel(b, "bias", 2), Channel(b, "mean", 3), Positive(b, "var")], "Y",
            NodeAttribute.FromInt("spatial", 1), NodeAttribute.FromFloat("epsilon", 1e-3f));
        var model = b.Output(y).Build(opset: 7);

        var upgraded = UpgradeKeepsOutputs(model, 15, new FloatInput("X", Numbers.Uniform(96, seed: 2), [2, 3, 4, 4]));

        Assert.Null(Only(upgraded, "BatchNormalization").GetAttribute("spatial"));
        Assert.Equal(15, upgraded.GetOpsetVersion(""));
        Assert.Equal(8, upgraded.IrVersion);
    }

    [Fact]
    public void BatchNormalizationSpatialZeroBlocksTheUpgrade()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3);
        var y = b.Op("BatchNormalization", [x, Channel(b, "scale", 1), Channel(b, "bias", 2), Channel(b, "mean", 3), Positive(b, "var")], "Y",
            NodeAttribute.FromInt("spatial", 0));
        var model = b.Output(y).Build(opset: 8);
        byte[] before = OnnxModelWriter.ToBytes(model);

        var error = Assert.Throws<ModelOptException>(() => new OpsetUpgradePass(13).Run(model));

        Assert.Equal(DiagnosticCode.OpsetUpgradeNotPossible, error.Code);
        Assert.Contains("node 'Y' (BatchNormalization, opset 8)", error.Message, StringComparison.Ordinal);
        Assert.Contains("spatial=0", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
    }

    [Fact]
    public void DropoutRatioBecomesAnInputAndTheUnusedMaskGoes()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, 4);
        var dropout = b.Node("Dropout", [x], ["Y", "mask"], "drop", NodeAttribute.FromFloat("ratio", 0.3f));
        var model = b.Output(dropout.Outputs[0]!).Build(opset: 7);

        var upgraded = UpgradeKeepsOutputs(model, 13, X234);

        var node = Only(upgraded, "Dropout");
        Assert.Single(node.Outputs);
        Assert.Null(node.GetAttribute("ratio"));
        Assert.Equal("drop_ratio", node.Inputs[1]!.Name);
    }

    [Fact]
    public void DropoutMaskThatIsReadBlocksTheUpgrade()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, 4);
        var dropout = b.Node("Dropout", [x], ["Y", "mask"], "drop");
        var model = b.Output(dropout.Outputs[0]!).Output(dropout.Outputs[1]!).Build(opset: 9);

        var error = Assert.Throws<ModelOptException>(() => new OpsetUpgradePass(11).Run(model));

        Assert.Equal(DiagnosticCode.OpsetUpgradeNotPossible, error.Code);
        Assert.Contains("'mask'", error.Message, StringComparison.Ordinal);
        Assert.Contains("BOOL", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(18)]
    public void AxesAttributesBecomeInputs(long target)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, 4);
        var unsqueezed = b.Op("Unsqueeze", [x], "unsqueezed", NodeAttribute.FromInts("axes", [0, 4]));
        var squeezed = b.Op("Squeeze", [unsqueezed], "squeezed", NodeAttribute.FromInts("axes", [0]));
        var sum = b.Op("ReduceSum", [squeezed], "sum", NodeAttribute.FromInts("axes", [1]), NodeAttribute.FromInt("keepdims", 0));
        var mean = b.Op("ReduceMean", [x], "mean", NodeAttribute.FromInts("axes", [-1]));
        var max = b.Op("ReduceMax", [x], "max");
        var model = b.Output(sum).Output(mean).Output(max).Build(opset: 8);

        var upgraded = UpgradeKeepsOutputs(model, target, X234);

        foreach (var op in new[] { "Unsqueeze", "Squeeze", "ReduceSum" })
        {
            Assert.Null(Only(upgraded, op).GetAttribute("axes"));
            Assert.Equal(2, Only(upgraded, op).Inputs.Count);
        }
        Assert.Equal(target >= 18 ? 2 : 1, Only(upgraded, "ReduceMean").Inputs.Count);
        Assert.Single(Only(upgraded, "ReduceMax").Inputs);
    }

    [Fact]
    public void ClipBoundsBecomeInputsOfTheDataType()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, 4);
        var relu = b.Op("Relu", [x], "relu");
        var both = b.Op("Clip", [relu], "both", NodeAttribute.FromFloat("min", 0.1f), NodeAttribute.FromFloat("max", 0.5f));
        var maxOnly = b.Op("Clip", [x], "max_only", NodeAttribute.FromFloat("max", 0.25f));
        var model = b.Output(both).Output(maxOnly).Build(opset: 8);

        var upgraded = UpgradeKeepsOutputs(model, 13, X234);

        var clipMaxOnly = upgraded.Graph.Nodes.Single(n => n.Name == "max_only");
        Assert.Null(clipMaxOnly.Inputs[1]);
        Assert.Equal(ElementType.Float, clipMaxOnly.Inputs[2]!.Initializer!.ElementType);
    }

    [Fact]
    public void ClipOfAnUndeclaredTypeBlocksTheUpgrade()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, 4);
        var sine = b.Op("Sin", [x], "sine");
        var clip = b.Op("Clip", [sine], "clip", NodeAttribute.FromFloat("min", 0f));
        var model = b.Output(clip).Build(opset: 8);

        var error = Assert.Throws<ModelOptException>(() => new OpsetUpgradePass(11).Run(model));

        Assert.Equal(DiagnosticCode.OpsetUpgradeNotPossible, error.Code);
        Assert.Contains("node 'clip' (Clip, opset 8)", error.Message, StringComparison.Ordinal);
        Assert.Contains("'sine' is not declared", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("constant", 2.5f)]
    [InlineData("constant", 0f)]
    [InlineData("reflect", 0f)]
    [InlineData("edge", 1.5f)]
    public void PadAttributesBecomeInputs(string mode, float value)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, 4);
        var y = b.Op("Pad", [x], "Y", NodeAttribute.FromInts("pads", [0, 1, 2, 0, 1, 1]),
            NodeAttribute.FromString("mode", mode), NodeAttribute.FromFloat("value", value));
        var model = b.Output(y).Build(opset: 8);

        var upgraded = UpgradeKeepsOutputs(model, 13, X234);

        Assert.Equal(mode == "constant" && value != 0 ? 3 : 2, Only(upgraded, "Pad").Inputs.Count);
    }

    [Theory]
    [InlineData("nearest", 11)]
    [InlineData("nearest", 13)]
    [InlineData("linear", 13)]
    [InlineData("nearest", 19)]
    public void UpsampleBecomesResize(string mode, long target)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 2, 3, 4);
        var y = b.Op("Upsample", [x], "Y", NodeAttribute.FromString("mode", mode), NodeAttribute.FromFloats("scales", [1, 1, 2, 3]));
        var model = b.Output(y).Build(opset: 8);

        var upgraded = UpgradeKeepsOutputs(model, target, new FloatInput("X", Numbers.Uniform(24, seed: 3), [1, 2, 3, 4]));

        var resize = Only(upgraded, "Resize");
        Assert.Equal("asymmetric", resize.GetAttribute("coordinate_transformation_mode")!.String);
        Assert.Equal(3, resize.Inputs.Count);
    }

    [Theory]
    [InlineData("Softmax", 2, true, false)]
    [InlineData("Softmax", 2, false, true)]
    [InlineData("Softmax", 1, true, true)]
    [InlineData("LogSoftmax", 1, true, true)]
    [InlineData("Hardmax", 0, false, true)]
    [InlineData("Softmax", -1, false, false)]
    public void SoftmaxKeepsItsOldFlatteningSemantics(string op, long axis, bool declareShape, bool rewritten)
    {
        var b = new GraphBuilder();
        var x = declareShape ? b.Input("X", 2, 3, 4) : b.InputOfUnknownShape("X");
        var y = b.Op(op, [x], "Y", NodeAttribute.FromInt("axis", axis));
        var model = b.Output(y).Build(opset: 8);

        var upgraded = UpgradeKeepsOutputs(model, 13, new FloatInput("X", Numbers.Uniform(24, seed: 4, -3, 3), [2, 3, 4]));

        Assert.Equal(rewritten, upgraded.Graph.Nodes.Any(n => n.OpType == "Flatten"));
        Assert.Equal(-1, Only(upgraded, op).GetAttribute("axis")!.Int);
        Assert.Equal("Y", upgraded.Graph.Outputs[0].Name);
    }

    [Theory]
    [InlineData(13, true)]
    [InlineData(18, true)]
    [InlineData(18, false)]
    public void SplitSizesBecomeAnInput(long target, bool withSizes)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 4, 3);
        var split = b.Node("Split", [x], ["first", "second"], "split",
            withSizes ? [NodeAttribute.FromInt("axis", 1), NodeAttribute.FromInts("split", [1, 3])] : [NodeAttribute.FromInt("axis", 1)]);
        var model = b.Output(split.Outputs[0]!).Output(split.Outputs[1]!).Build(opset: 8);

        var upgraded = UpgradeKeepsOutputs(model, target, new FloatInput("X", Numbers.Uniform(24, seed: 5), [2, 4, 3]));

        var node = Only(upgraded, "Split");
        Assert.Null(node.GetAttribute("split"));
        Assert.Equal(withSizes ? 2 : 1, node.Inputs.Count);
        Assert.Equal(!withSizes && target >= 18, node.GetAttribute("num_outputs") is not null);
    }

    [Fact]
    public void SliceAndTopKAttributesBecomeInputs()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, 4);
        var slice = b.Op("Slice", [x], "slice", NodeAttribute.FromInts("starts", [1, 0]), NodeAttribute.FromInts("ends", [3, 3]), NodeAttribute.FromInts("axes", [2, 1]));
        var topK = b.Node("TopK", [x], ["values", "indices"], "topk", NodeAttribute.FromInt("k", 2));
        var model = b.Output(slice).Output(topK.Outputs[0]!).Output(topK.Outputs[1]!, ElementType.Int64).Build(opset: 9);

        var upgraded = UpgradeKeepsOutputs(model, 13, X234);

        Assert.Equal(4, Only(upgraded, "Slice").Inputs.Count);
        Assert.Equal(2, Only(upgraded, "TopK").Inputs.Count);
    }

    [Fact]
    public void UnchangedOperatorsJustMove()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 12);
        var w = b.Weight("W", [12, 5], Numbers.Uniform(60, seed: 6));
        var gemm = b.Op("Gemm", [x, w, b.Weight("C", [5], Numbers.Uniform(5, seed: 7))], "gemm", NodeAttribute.FromFloat("alpha", 0.5f));
        var flat = b.Op("Flatten", [b.Op("Sigmoid", [gemm], "sigmoid")], "flat");
        var model = b.Output(b.Op("Concat", [flat, gemm], "Y", NodeAttribute.FromInt("axis", 1))).Build(opset: 8);
        int nodes = model.Graph.Nodes.Count;

        var upgraded = UpgradeKeepsOutputs(model, 17, new FloatInput("X", Numbers.Uniform(24, seed: 8), [2, 12]));

        Assert.Equal(nodes, upgraded.Graph.Nodes.Count);
    }

    [Fact]
    public void SubgraphsAreUpgradedToo()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3);
        var condition = b.Graph.AddInitializer("cond", Tensor.FromRawData("cond", ElementType.Bool, [], new byte[] { 1 }));
        var thenBranch = new Graph("then");
        var inner = new Node("Unsqueeze", [x], ["then_out"], "inner_unsqueeze");
        inner.Attributes.Add(NodeAttribute.FromInts("axes", [0]));
        thenBranch.AddNode(inner);
        thenBranch.Outputs.Add(Typed(inner.Outputs[0]!));
        var elseBranch = new Graph("else");
        var other = new Node("Unsqueeze", [x], ["else_out"], "other_unsqueeze");
        other.Attributes.Add(NodeAttribute.FromInts("axes", [0]));
        elseBranch.AddNode(other);
        elseBranch.Outputs.Add(Typed(other.Outputs[0]!));
        var branch = b.Node("If", [condition], ["Y"], "branch", NodeAttribute.FromGraph("then_branch", thenBranch), NodeAttribute.FromGraph("else_branch", elseBranch));
        var model = b.Output(branch.Outputs[0]!).Build(opset: 9);

        var upgraded = UpgradeKeepsOutputs(model, 13, new FloatInput("X", Numbers.Uniform(6, seed: 9), [2, 3]));

        var unsqueeze = upgraded.Graph.AllNodes().Single(n => n.Name == "inner_unsqueeze");
        Assert.Null(unsqueeze.GetAttribute("axes"));
        Assert.Same(thenBranch, unsqueeze.Graph);
        Assert.Contains(unsqueeze.Inputs[1]!, thenBranch.Initializers);
    }

    [Fact]
    public void AnUnknownOperatorBlocksTheUpgradeAndNamesIt()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 1, 2, 2);
        var grid = b.Input("grid", 1, 2, 2, 2);
        var y = b.Op("GridSample", [x, grid], "sampled");
        var model = b.Output(b.Op("Relu", [y], "Y")).Build(opset: 16);
        byte[] before = OnnxModelWriter.ToBytes(model);

        var error = Assert.Throws<ModelOptException>(() => new PassPipeline(new OpsetUpgradePass(21)).Run(model));

        Assert.Equal(DiagnosticCode.OpsetUpgradeUnknownOperator, error.Code);
        Assert.StartsWith("pass 'OpsetUpgrade': ", error.Message, StringComparison.Ordinal);
        Assert.Contains("GridSample", error.Message, StringComparison.Ordinal);
        Assert.Contains("node 'sampled' (GridSample, opset 16)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Re-export the model with opset 21", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
    }

    [Fact]
    public void ScanEightCannotBeUpgraded()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 2);
        var body = new Graph("body");
        var state = new Value("state_in", GraphBuilder.TensorType(ElementType.Float, 2));
        body.Inputs.Add(state);
        var next = new Node("Identity", [state], ["state_out"], "body_identity");
        body.AddNode(next);
        body.Outputs.Add(Typed(next.Outputs[0]!));
        var scan = b.Node("Scan", [null, x], ["Y"], "scan", NodeAttribute.FromGraph("body", body), NodeAttribute.FromInt("num_scan_inputs", 0));
        var model = b.Output(scan.Outputs[0]!).Build(opset: 8);

        var error = Assert.Throws<ModelOptException>(() => new OpsetUpgradePass(11).Run(model));

        Assert.Equal(DiagnosticCode.OpsetUpgradeNotPossible, error.Code);
        Assert.Contains("batch axis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VersionsOutsideTheTableAreRefused()
    {
        var tooNew = Assert.Throws<ModelOptException>(() => new OpsetUpgradePass(22).Run(ReluModel(opset: 13)));
        var tooOld = Assert.Throws<ModelOptException>(() => new OpsetUpgradePass(13).Run(ReluModel(opset: 6)));

        Assert.Equal(DiagnosticCode.OpsetVersionUnsupported, tooNew.Code);
        Assert.Contains("newest this version upgrades to (21)", tooNew.Message, StringComparison.Ordinal);
        Assert.Equal(DiagnosticCode.OpsetVersionUnsupported, tooOld.Code);
        Assert.Contains("upgrades start from opset 7", tooOld.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewerModelIsLeftAlone()
    {
        var model = ReluModel(opset: 17);
        byte[] before = OnnxModelWriter.ToBytes(model);

        Assert.False(new OpsetUpgradePass(13).Run(model).Modified);
        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
    }

    /// <summary>Upgrades <paramref name="model"/> and asserts ONNX Runtime computes the same before and after.</summary>
    internal static OnnxModel UpgradeKeepsOutputs(OnnxModel model, long target, params FloatInput[] inputs)
    {
        var before = OrtRunner.Run(model, inputs);
        Assert.True(new OpsetUpgradePass(target).Run(model).Modified);
        Assert.Equal(target, model.GetOpsetVersion(""));
        var after = OrtRunner.Run(model, inputs);
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++) Numbers.AssertClose(before[i], after[i], 1e-6);
        return model;
    }

    private static OnnxModel ReluModel(long opset)
    {
        var b = new GraphBuilder();
        return b.Output(b.Op("Relu", [b.Input("X", 2)], "Y")).Build(opset);
    }

    private static Node Only(OnnxModel model, string opType) => model.Graph.AllNodes().Single(n => n.OpType == opType);

    private static Value Channel(GraphBuilder b, string name, int seed) => b.Weight(name, [3], Numbers.Uniform(3, seed));

    private static Value Positive(GraphBuilder b, string name) => b.Weight(name, [3], Numbers.Uniform(3, seed: 10, 0.5f, 2f));

    private static Value Typed(Value value)
    {
        value.Type = GraphBuilder.TensorType(ElementType.Float, null);
        return value;
    }
}
