using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Int4;

/// <summary>Options, the report, and the guards of <see cref="Int4WeightOnlyQuantizationPass"/>.</summary>
public sealed class Int4PassTests
{
    [Fact]
    public void ExcludedNodesStayInFloatAndAreReported()
    {
        var model = TwoLayerModel();
        var pass = new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { Exclusions = NodeFilter.ForNodes("second") });

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(
        [
            new NodeQuantization("first", "MatMul", NodePrecision.Int4, QuantizationGranularity.PerBlock, null),
            new NodeQuantization("second", "MatMul", NodePrecision.Float, null, "excluded by ExcludeNodes"),
        ], result.Report.Nodes);
        Assert.Equal(["MatMulNBits", "MatMul"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.NotNull(Initializer(model, "W2"));
        Assert.Null(Initializer(model, "W1"));
    }

    [Fact]
    public void ExcludingEveryOperatorTypeChangesNothing()
    {
        var model = TwoLayerModel();
        byte[] before = OnnxModelWriter.ToBytes(model);
        var pass = new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { Exclusions = NodeFilter.ForOpTypes("MatMul") });

        var result = pass.Run(model);
        Assert.False(result.Modified);

        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
        Assert.All(result.Report.Nodes, n => Assert.Equal("excluded by ExcludeOpTypes", n.Reason));
        Assert.Null(model.GetOpsetVersion("com.microsoft"));
    }

    [Fact]
    public void SameModelAndOptionsGiveTheSameBytes()
    {
        var first = TwoLayerModel();
        var second = TwoLayerModel();
        var options = new Int4QuantizationOptions { BlockSize = 64, Symmetric = false };

        new Int4WeightOnlyQuantizationPass(options).Run(first);
        new Int4WeightOnlyQuantizationPass(options).Run(second);

        Assert.Equal(OnnxModelWriter.ToBytes(first), OnnxModelWriter.ToBytes(second));
    }

    [Fact]
    public void NonFiniteWeightsAreAnErrorNamingTheNodeAndTheTensor()
    {
        var b = new GraphBuilder();
        var weights = Numbers.Uniform(64 * 8, seed: 100);
        weights[77] = float.NaN;
        var model = b.Output(b.Op("MatMul", [b.Input("X", 1, 64), b.Weight("W", [64, 8], weights)], "mm")).Build(opset: 17);

        var error = Assert.Throws<ModelOptException>(() => new Int4WeightOnlyQuantizationPass().Run(model));

        Assert.Equal(DiagnosticCode.NonFiniteWeights, error.Code);
        Assert.StartsWith("pass 'Int4WeightOnlyQuantization': node 'mm' (MatMul, opset 17): weight 'W' holds NaN at element 77", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedBlockSizesAreAnInvalidOption()
    {
        var error = Assert.Throws<ModelOptException>(() => new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { BlockSize = 48 }));

        Assert.Equal(DiagnosticCode.InvalidOption, error.Code);
        Assert.Equal("BlockSize 48 is not supported for Int4 quantization; use 32, 64, 128.", error.Message);
    }

    [Fact]
    public void AllZeroWeightsGiveFiniteScalesAndZeroOutputs()
    {
        var b = new GraphBuilder();
        var model = b.Output(b.Op("MatMul", [b.Input("X", 2, 64), b.Weight("W", [64, 8], new float[64 * 8])], "mm")).Build(opset: 17);

        new Int4WeightOnlyQuantizationPass().Run(model);

        var scales = model.Graph.Nodes[0].Inputs[2]!.Initializer!.ToFloatArray();
        Assert.All(scales, s => Assert.True(float.IsFinite(s) && s > 0));
        Assert.All(OrtRunner.Run(model, new FloatInput("X", Numbers.Uniform(128, seed: 101), [2, 64]))[0], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void WeightsThatAreNotConstantOrTooSmallStayInFloatWithTheReason()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 64);
        var runtime = b.Input("R", 64, 64);
        var product = b.Op("MatMul", [x, runtime], "runtime_weight");
        var overridable = b.Weight("O", [64, 64], Numbers.Uniform(64 * 64, seed: 102));
        b.Graph.Inputs.Add(overridable);
        var second = b.Op("MatMul", [product, overridable], "overridable_weight");
        b.Output(second);
        var model = b.Output(b.Op("MatMul", [b.Input("Z", 2, 8), b.Weight("S", [8, 2], Numbers.Uniform(16, seed: 103))], "small_weight")).Build(opset: 17);
        var pass = new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { BlockSize = 128 });

        var result = pass.Run(model);
        Assert.False(result.Modified);

        Assert.Equal(
        [
            "its weight input 'R' is computed at run time (not an initializer or Constant)",
            "its weight 'O' is also a graph input, so callers may replace it at run time",
            "its weight 'S' is so small that the 4-bit form (136 bytes with scales) is not smaller than FLOAT (64 bytes)",
        ], result.Report.Nodes.Select(n => n.Reason));
    }

    [Fact]
    public void AWeightSharedByTwoNodesIsQuantizedOnceAndConstantNodesWork()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 3, 64);
        var w = b.Constant("W", [64, 64], Numbers.Uniform(64 * 64, seed: 104, -0.2f, 0.2f));
        var first = b.Op("MatMul", [x, w], "first");
        var model = b.Output(b.Op("MatMul", [first, w], "second")).Build(opset: 17);
        var input = new FloatInput("X", Numbers.Uniform(3 * 64, seed: 105), [3, 64]);
        var expected = OrtRunner.Run(model, input)[0];

        new Int4WeightOnlyQuantizationPass().Run(model);

        Assert.Equal(["MatMulNBits", "MatMulNBits"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Same(model.Graph.Nodes[0].Inputs[1], model.Graph.Nodes[1].Inputs[1]);
        Assert.Equal(["W_q4", "W_scales"], model.Graph.Initializers.Select(v => v.Name));
        double cosine = Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]);
        Assert.True(cosine >= 0.99, $"cosine {cosine}");
    }

    [Fact]
    public void NodesInsideSubgraphsAreQuantized()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 3, 64);
        var w = b.Weight("W", [64, 16], Numbers.Uniform(64 * 16, seed: 106));
        var condition = b.Graph.AddInitializer("cond", Tensor.FromRawData("cond", ElementType.Bool, [], new byte[] { 1 }));
        var thenBranch = Branch("then", x, w);
        var elseBranch = Branch("else", x, w);
        var model = b.Output(b.Node("If", [condition], ["Y"], "branch", NodeAttribute.FromGraph("then_branch", thenBranch),
            NodeAttribute.FromGraph("else_branch", elseBranch)).Outputs[0]!).Build(opset: 17);
        var input = new FloatInput("X", Numbers.Uniform(3 * 64, seed: 107), [3, 64]);
        var expected = OrtRunner.Run(model, input)[0];
        var pass = new Int4WeightOnlyQuantizationPass();

        var result = pass.Run(model);

        Assert.Equal(["then_mm", "else_mm"], result.Report.Nodes.Where(n => n.Precision == NodePrecision.Int4).Select(n => n.NodeName));
        Assert.Equal("MatMulNBits", thenBranch.Nodes[0].OpType);
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name == "W");
        double cosine = Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]);
        Assert.True(cosine >= 0.99, $"cosine {cosine}");
    }

    private static Graph Branch(string name, Value x, Value w)
    {
        var graph = new Graph(name);
        var node = new Node("MatMul", [x, w], [name + "_out"], name + "_mm");
        graph.AddNode(node);
        node.Outputs[0]!.Type = GraphBuilder.TensorType(ElementType.Float, null);
        graph.Outputs.Add(node.Outputs[0]!);
        return graph;
    }

    private static OnnxModel TwoLayerModel()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 96);
        var first = b.Op("MatMul", [x, b.Weight("W1", [96, 64], Numbers.Uniform(96 * 64, seed: 108))], "first");
        return b.Output(b.Op("MatMul", [first, b.Weight("W2", [64, 32], Numbers.Uniform(64 * 32, seed: 109))], "second")).Build(opset: 17);
    }

    private static Value? Initializer(OnnxModel model, string weight)
        => model.Graph.Initializers.SingleOrDefault(v => v.Name == weight);
}
