using ModelOpt.Core.Float16;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>The pass on small models built in code, each run in ONNX Runtime against its FLOAT original.</summary>
public sealed class Float16ConversionPassTests
{
    private static readonly float[] InputData = Numbers.Uniform(16, seed: 160);

    [Fact]
    public void WeightsAndComputeBecomeFloat16WhileTheInterfaceStaysFloat()
    {
        var model = Mlp();
        var expected = OrtRunner.Run(model, Input());
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.All(model.Graph.Initializers, v => Assert.Equal(ElementType.Float16, v.Initializer!.ElementType));
        Assert.Equal(ElementType.Float, model.Graph.Inputs.Single().ElementType);
        Assert.Equal("Y", model.Graph.Outputs.Single().Name);
        Assert.Equal(ElementType.Float, model.Graph.Outputs.Single().ElementType);
        var casts = Float16Graphs.Casts(model);
        Assert.Equal([ElementType.Float16, ElementType.Float], casts.Select(Float16Graphs.CastTarget));
        Assert.Same(model.Graph.Inputs[0], casts[0].Inputs[0]);
        Assert.Same(model.Graph.Outputs[0], casts[1].Outputs[0]);
        Float16Graphs.AssertCleanCasts(model);
        Assert.Equal(["h", "hb", "r", "Y"], result.Report.Nodes.Select(n => n.NodeName));
        Assert.All(result.Report.Nodes, n => Assert.Equal(NodePrecision.Float16, n.Precision));
        Assert.Equal(new Float16ConversionSummary(3, default, 2, 0), result.Report.Summary);

        var actual = OrtRunner.Run(model, Input());
        Numbers.AssertClose(expected[0], actual[0], 5e-3 * Numbers.MaxAbs(expected[0]));
    }

    [Fact]
    public void WithoutKeepIoTypesTheInterfaceIsFloat16AndNeedsNoCast()
    {
        var model = Mlp();
        var expected = OrtRunner.Run(model, Input());

        Assert.True(new Float16ConversionPass(new Float16ConversionOptions { KeepIoTypes = false }).Run(model).Modified);

        Assert.Equal(ElementType.Float16, model.Graph.Inputs.Single().ElementType);
        Assert.Equal(ElementType.Float16, model.Graph.Outputs.Single().ElementType);
        Assert.Empty(Float16Graphs.Casts(model));
        var actual = Float16Graphs.RunHalf(model, "X", InputData, [2, 8]);
        Numbers.AssertClose(expected[0], actual[0], 5e-3 * Numbers.MaxAbs(expected[0]));
    }

    [Fact]
    public void ABlockedOperatorBetweenConvertedOnesStaysFloatBehindCasts()
    {
        // Celu-12, its only version, types T as FLOAT only (ONNX Operators.md).
        var b = new GraphBuilder();
        var h = b.Op("MatMul", [b.Input("X", 2, 8), b.Weight("W1", [8, 8], Numbers.Uniform(64, seed: 161))], "h");
        var c = b.Op("Celu", [h], "c");
        var model = b.Output(b.Op("MatMul", [c, b.Weight("W2", [8, 4], Numbers.Uniform(32, seed: 162))], "Y")).Build(opset: 13);
        var expected = OrtRunner.Run(model, Input());
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        var celu = Float16Graphs.Node(model, "c");
        Assert.Equal(("Cast", ElementType.Float), (celu.Inputs[0]!.Producer!.OpType, Float16Graphs.CastTarget(celu.Inputs[0]!.Producer!)));
        Assert.Same(Float16Graphs.Node(model, "h"), celu.Inputs[0]!.Producer!.Inputs[0]!.Producer);
        var after = Assert.Single(celu.Outputs[0]!.Uses).Node;
        Assert.Equal(("Cast", ElementType.Float16), (after.OpType, Float16Graphs.CastTarget(after)));
        Assert.Equal(new NodeQuantization("c", "Celu", NodePrecision.Float, null, "the ONNX schema of Celu accepts no FLOAT16"),
            result.Report.Nodes.Single(n => n.OpType == "Celu"));
        Assert.Equal(2, result.Report.QuantizedCount);
        Float16Graphs.AssertCleanCasts(model);

        var actual = OrtRunner.Run(model, Input());
        Numbers.AssertClose(expected[0], actual[0], 5e-3 * Numbers.MaxAbs(expected[0]));
    }

    [Fact]
    public void ExcludedNodesAndOperatorsStayFloatAndAreReported()
    {
        var model = Mlp();
        var expected = OrtRunner.Run(model, Input());
        var options = new Float16ConversionOptions { Exclusions = new NodeFilter(["h"], ["Relu"]), BlockedOpTypes = ["Add"] };
        var pass = new Float16ConversionPass(options);

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(
        [
            new NodeQuantization("h", "MatMul", NodePrecision.Float, null, "excluded by ExcludeNodes"),
            new NodeQuantization("hb", "Add", NodePrecision.Float, null, "blocked by BlockedOpTypes"),
            new NodeQuantization("r", "Relu", NodePrecision.Float, null, "excluded by ExcludeOpTypes"),
            new NodeQuantization("Y", "MatMul", NodePrecision.Float16, null, null),
        ], result.Report.Nodes);
        Assert.Equal(ElementType.Float, Initializer(model, "W1").ElementType);
        Assert.Equal(ElementType.Float, Initializer(model, "B1").ElementType);
        Assert.Equal(ElementType.Float16, Initializer(model, "W2").ElementType);
        Assert.Equal([ElementType.Float16, ElementType.Float], Float16Graphs.Casts(model).Select(Float16Graphs.CastTarget));
        var actual = OrtRunner.Run(model, Input());
        Numbers.AssertClose(expected[0], actual[0], 5e-3 * Numbers.MaxAbs(expected[0]));
    }

    [Fact]
    public void ExcludingEverythingChangesNothing()
    {
        var model = Mlp();
        byte[] before = OnnxModelWriter.ToBytes(model);
        var pass = new Float16ConversionPass(new Float16ConversionOptions { Exclusions = NodeFilter.ForOpTypes("MatMul", "Add", "Relu") });

        var result = pass.Run(model);
        Assert.False(result.Modified);

        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
        Assert.Equal(4, result.Report.FloatNodes.Count);
    }

    [Fact]
    public void AWeightSharedByAConvertedAndAKeptNodeIsStoredInBothTypes()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 8);
        var w = b.Weight("W", [8, 8], Numbers.Uniform(64, seed: 163));
        var first = b.Op("MatMul", [x, w], "first");
        var model = b.Output(first).Output(b.Op("MatMul", [x, w], "second")).Build(opset: 13);
        var expected = OrtRunner.Run(model, Input());

        Assert.True(new Float16ConversionPass(new Float16ConversionOptions { Exclusions = NodeFilter.ForNodes("second") }).Run(model).Modified);

        Assert.Equal(ElementType.Float, Initializer(model, "W").ElementType);
        Assert.Equal(ElementType.Float16, Initializer(model, "W_float16").ElementType);
        Assert.Equal("W_float16", Float16Graphs.Node(model, "first").Inputs[1]!.Name);
        Assert.Equal("W", Float16Graphs.Node(model, "second").Inputs[1]!.Name);
        var actual = OrtRunner.Run(model, Input());
        Numbers.AssertClose(expected[0], actual[0], 5e-3 * Numbers.MaxAbs(expected[0]));
        Assert.Equal(expected[1], actual[1]);
    }

    [Fact]
    public void AnOutputAlsoReadInsideTheGraphKeepsItsNameAndType()
    {
        var b = new GraphBuilder();
        var r = b.Op("Relu", [b.Input("X", 2, 8)], "R");
        var model = b.Output(r).Output(b.Op("MatMul", [r, b.Weight("W", [8, 4], Numbers.Uniform(32, seed: 164))], "Y")).Build(opset: 13);
        var expected = OrtRunner.Run(model, Input());

        Assert.True(new Float16ConversionPass().Run(model).Modified);

        Assert.Equal(["R", "Y"], model.Graph.Outputs.Select(o => o.Name));
        Assert.All(model.Graph.Outputs, o => Assert.Equal(ElementType.Float, o.ElementType));
        Assert.Equal("R_float16", Float16Graphs.Node(model, "Y").Inputs[0]!.Name);
        Float16Graphs.AssertCleanCasts(model);
        var actual = OrtRunner.Run(model, Input());
        for (int i = 0; i < 2; i++) Numbers.AssertClose(expected[i], actual[i], 5e-3 * Numbers.MaxAbs(expected[i]));
    }

    [Fact]
    public void DeclaredIntermediateTypesFollowTheConversion()
    {
        var model = Mlp();
        foreach (string name in new[] { "h", "hb", "r" })
        {
            var value = model.Graph.Nodes.Single(n => n.Name == name).Outputs[0]!;
            value.Type = GraphBuilder.TensorType(ElementType.Float, 2, 16);
            model.Graph.ValueInfos.Add(value);
        }

        Assert.True(new Float16ConversionPass().Run(model).Modified);

        Assert.All(model.Graph.ValueInfos.Where(v => v.Name is "h" or "hb" or "r"), v => Assert.Equal(ElementType.Float16, v.ElementType));
        Assert.Equal([2, 16], model.Graph.ValueInfos.Single(v => v.Name == "r").Shape!.Select(d => d.Size!.Value));
        // ONNX Runtime checks declared types against the inferred ones when it loads the model.
        Assert.Single(OrtRunner.Run(model, Input()));
    }

    [Fact]
    public void ConvertingTwiceGivesIdenticalBytes()
    {
        var first = Mlp();
        var second = Mlp();
        new Float16ConversionPass().Run(first);
        new Float16ConversionPass().Run(second);

        Assert.Equal(OnnxModelWriter.ToBytes(first), OnnxModelWriter.ToBytes(second));
    }

    [Fact]
    public void ModelsBelowOpset6AreRefusedWithACode()
    {
        var b = new GraphBuilder();
        var model = b.Output(b.Op("Relu", [b.Input("X", 2, 8)], "Y")).Build(opset: 5);

        var error = Assert.Throws<ModelOptException>(() => new Float16ConversionPass().Run(model));

        Assert.Equal(DiagnosticCode.Float16OpsetTooOld, error.Code);
        Assert.StartsWith("pass 'Float16Conversion': the model imports opset 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModelWithoutFloatIsLeftAlone()
    {
        var b = new GraphBuilder();
        var model = b.Output(b.Op("Neg", [b.Input("X", ElementType.Int32, 2, 8)], "Y"), ElementType.Int32).Build(opset: 13);
        byte[] before = OnnxModelWriter.ToBytes(model);
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.False(result.Modified);

        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
        Assert.Empty(result.Report.Nodes);
    }

    /// <summary>X[2,8] → MatMul h → Add hb → Relu r → MatMul Y[2,4].</summary>
    internal static OnnxModel Mlp()
    {
        var b = new GraphBuilder();
        var h = b.Op("MatMul", [b.Input("X", 2, 8), b.Weight("W1", [8, 16], Numbers.Uniform(128, seed: 165))], "h");
        var hb = b.Op("Add", [h, b.Weight("B1", [16], Numbers.Uniform(16, seed: 166))], "hb");
        var r = b.Op("Relu", [hb], "r");
        return b.Output(b.Op("MatMul", [r, b.Weight("W2", [16, 4], Numbers.Uniform(64, seed: 167))], "Y")).Build(opset: 13);
    }

    internal static FloatInput Input() => new("X", InputData, [2, 8]);

    private static Tensor Initializer(OnnxModel model, string name) => model.Graph.Initializers.Single(v => v.Name == name).Initializer!;
}
