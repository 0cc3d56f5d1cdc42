using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Quantization;

/// <summary>Options, the report, and the guards of the pass, on a model with one node of each quantizable type.</summary>
public sealed class DynamicQuantizationPassTests
{
    [Fact]
    public void ExcludedNodesStayInFloatAndAreReported()
    {
        var model = MixedModel();
        var options = new DynamicQuantizationOptions { Exclusions = new NodeFilter(["dense"], ["Conv"]) };
        var pass = new DynamicQuantizationPass(options);

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(
        [
            new NodeQuantization("conv", "Conv", NodePrecision.Float, null, "excluded by ExcludeOpTypes"),
            new NodeQuantization("dense", "Gemm", NodePrecision.Float, null, "excluded by ExcludeNodes"),
            new NodeQuantization("project", "MatMul", NodePrecision.Int8, QuantizationGranularity.PerChannel, null),
        ], result.Report.Nodes);
        Assert.Equal(2, result.Report.FloatNodes.Count);
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "Conv");
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "Gemm");
        Assert.NotNull(QuantizedModels.Initializer(model, "conv_W"));
    }

    [Fact]
    public void ExcludingEverythingChangesNothing()
    {
        var model = MixedModel();
        byte[] before = OnnxModelWriter.ToBytes(model);
        var pass = new DynamicQuantizationPass(new DynamicQuantizationOptions { Exclusions = NodeFilter.ForOpTypes("Conv", "Gemm", "MatMul") });

        var result = pass.Run(model);
        Assert.False(result.Modified);

        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
        Assert.Equal(3, result.Report.FloatNodes.Count);
    }

    [Fact]
    public void AnOldModelWithNothingToQuantizeIsNotUpgraded()
    {
        var b = new GraphBuilder();
        var model = b.Output(b.Op("MatMul", [b.Input("X", 2, 4), b.Weight("W", [4, 3], Numbers.Uniform(12, seed: 50))], "mm")).Build(opset: 8);
        byte[] before = OnnxModelWriter.ToBytes(model);
        var pass = new DynamicQuantizationPass(new DynamicQuantizationOptions { Exclusions = NodeFilter.ForNodes("mm") });

        var result = new PassPipeline(pass).Run(model);
        Assert.False(result.Modified);

        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
        Assert.Equal(["DynamicQuantization"], result.Results.Select(r => r.Pass.Name));
        Assert.Equal(8, result.ResultOf(pass).Report.Opset);
    }

    [Fact]
    public void NodesInsideSubgraphsAreQuantized()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 3, 16);
        var w = b.Weight("W", [16, 5], Numbers.Uniform(80, seed: 51));
        var condition = b.Graph.AddInitializer("cond", Tensor.FromRawData("cond", ElementType.Bool, [], new byte[] { 1 }));
        var thenBranch = new Graph("then");
        var product = new Node("MatMul", [x, w], ["then_out"], "inner_mm");
        thenBranch.AddNode(product);
        product.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, null);
        thenBranch.Outputs.Add(product.Outputs[0]!);
        var elseBranch = new Graph("else");
        var other = new Node("MatMul", [x, w], ["else_out"], "other_mm");
        elseBranch.AddNode(other);
        other.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, null);
        elseBranch.Outputs.Add(other.Outputs[0]!);
        var branch = b.Node("If", [condition], ["Y"], "branch", NodeAttribute.FromGraph("then_branch", thenBranch), NodeAttribute.FromGraph("else_branch", elseBranch));
        var model = b.Output(branch.Outputs[0]!).Build(opset: 13);
        var input = new FloatInput("X", Numbers.Uniform(48, seed: 52), [3, 16]);
        var expected = OrtRunner.Run(model, input)[0];
        var pass = new DynamicQuantizationPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(["inner_mm", "other_mm"], result.Report.Nodes.Select(n => n.NodeName));
        Assert.Contains(thenBranch.Nodes, n => n.OpType == "MatMulInteger");
        Assert.Null(QuantizedModels.Initializer(model, "W"));
        Assert.True(Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]) >= 0.999);
    }

    [Fact]
    public void NodesWithoutConstantWeightsStayInFloatWithTheReason()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 4);
        var runtime = b.Input("R", 4, 3);
        var overridable = b.Weight("W_default", [4, 3], Numbers.Uniform(12, seed: 41));
        b.Graph.Inputs.Add(overridable);
        var half = b.Graph.AddInitializer("W_half", Tensor.FromRawData("W_half", ElementType.Float16, [4, 3], new byte[24]));
        var model = b
            .Output(b.Op("MatMul", [x, runtime], "by_input"))
            .Output(b.Op("MatMul", [x, overridable], "by_default"))
            .Output(b.Op("MatMul", [b.Op("Cast", [x], "x_half", NodeAttribute.FromInt("to", (long)ElementType.Float16)), half], "by_half"), ElementType.Float16)
            .Build(opset: 13);
        var pass = new DynamicQuantizationPass();

        var result = pass.Run(model);
        Assert.False(result.Modified);

        var reasons = result.Report.Nodes.Select(n => n.Reason).ToArray();
        Assert.Equal("its weight input 'R' is computed at run time (not an initializer or Constant)", reasons[0]);
        Assert.Equal("its weight 'W_default' is also a graph input, so callers may replace it at run time", reasons[1]);
        Assert.Equal("its weight 'W_half' is FLOAT16; only FLOAT weights are quantized", reasons[2]);
    }

    [Fact]
    public void NonFiniteWeightsAreAnErrorNamingTheTensorAndTheNode()
    {
        var b = new GraphBuilder();
        var weights = Numbers.Uniform(12, seed: 42);
        weights[7] = float.NaN;
        var model = b.Output(b.Op("MatMul", [b.Input("X", 2, 4), b.Weight("W", [4, 3], weights)], "mm")).Build(opset: 13);

        var error = Assert.Throws<ModelOptException>(() => new PassPipeline(new DynamicQuantizationPass()).Run(model));

        Assert.Equal(DiagnosticCode.NonFiniteWeights, error.Code);
        Assert.StartsWith("pass 'DynamicQuantization': node 'mm' (MatMul, opset 13): weight 'W' holds NaN at element 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllZeroWeightsGetFiniteScalesAndAnExactZeroProduct()
    {
        var b = new GraphBuilder();
        var bias = Numbers.Uniform(3, seed: 43);
        var y = b.Op("Gemm", [b.Input("X", 2, 4), b.Weight("W", [4, 3], new float[12]), b.Weight("C", [3], bias)], "gemm");
        var model = b.Output(y).Build(opset: 13);
        var input = new FloatInput("X", Numbers.Uniform(8, seed: 44), [2, 4]);

        new DynamicQuantizationPass().Run(model);

        var scales = QuantizedModels.Initializer(model, "W_scale")!.Initializer!.ToFloatArray();
        Assert.All(scales, s => Assert.Equal(WeightQuantizer.MinimumScale, s));
        Assert.Equal([.. bias, .. bias], OrtRunner.Run(model, input)[0]);
    }

    [Fact]
    public void UnnamedNodesAreReportedByTheirOutput()
    {
        var b = new GraphBuilder();
        var node = b.Node("MatMul", [b.Input("X", 2, 4), b.Weight("W", [4, 3], Numbers.Uniform(12, seed: 45))], ["product"], "");
        var model = b.Output(node.Outputs[0]!).Build(opset: 13);
        var pass = new DynamicQuantizationPass(new DynamicQuantizationOptions { Exclusions = NodeFilter.ForNodes("product") });

        var result = pass.Run(model);

        Assert.Equal("product", Assert.Single(result.Report.FloatNodes).NodeName);
    }

    [Fact]
    public void OtherDomainsAndUnknownOperatorsPassThrough()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 4);
        var w = b.Weight("W", [4, 3], Numbers.Uniform(12, seed: 46));
        var custom = b.Node("MatMul", [x, w], ["custom"], "custom");
        custom.Domain = "com.example";
        var model = b.Output(b.Op("Erf", [custom.Outputs[0]], "Y")).Build(opset: 13);
        model.SetOpsetVersion("com.example", 1);
        var pass = new DynamicQuantizationPass();

        var result = pass.Run(model);
        Assert.False(result.Modified);

        Assert.Empty(result.Report.Nodes);
        Assert.NotNull(QuantizedModels.Initializer(model, "W"));
    }

    [Fact]
    public void QuantizedModelsAreDeterministic()
    {
        byte[] Quantize()
        {
            var model = MixedModel();
            new DynamicQuantizationPass().Run(model);
            return OnnxModelWriter.ToBytes(model);
        }

        Assert.Equal(Quantize(), Quantize());
    }

    /// <summary>Conv → Flatten → Gemm → MatMul, each with constant weights.</summary>
    private static OnnxModel MixedModel()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 2, 5, 5);
        var conv = b.Op("Conv", [x, b.Weight("conv_W", [3, 2, 3, 3], Numbers.Uniform(54, seed: 47))], "conv");
        var flat = b.Op("Flatten", [conv], "flat");
        var dense = b.Op("Gemm", [flat, b.Weight("dense_W", [27, 8], Numbers.Uniform(216, seed: 48))], "dense");
        var project = b.Op("MatMul", [dense, b.Weight("project_W", [8, 4], Numbers.Uniform(32, seed: 49))], "project");
        return b.Output(project).Build(opset: 13);
    }
}
