using ModelOpt.Core.Passes;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Pruning;

/// <summary>Magnitude pruning on small models whose outcome is known element by element.</summary>
public sealed class MagnitudePruningPassTests
{
    [Fact]
    public void LayerScopeZeroesTheSmallestAndBreaksTiesByIndex()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 2);
        var w = b.Weight("w", [2, 3], [0.1f, -0.1f, 0.3f, 0.1f, -5f, 2f]);
        b.Output(b.Op("MatMul", [x, w], "y"));
        var model = b.Build(13);

        var pass = new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 0.5 });
        var result = pass.Run(model);
        Assert.True(result.Modified);

        // Three of six go: all three of magnitude 0.1 tie, so the lowest indices (0, 1, 3) go.
        Assert.Equal([0f, 0f, 0.3f, 0f, -5f, 2f], w.Initializer!.ToFloatArray());
        var node = Assert.Single(result.Report.Nodes);
        Assert.Equal(("y", "w", 6L, 3L, 0.5), (node.NodeName, node.WeightName, node.Elements, node.Zeros, node.Sparsity));
        Assert.Equal(0.5, result.Report.Sparsity);
    }

    [Fact]
    public void GlobalScopeTakesFromTheLayerWithTheSmallestWeights()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 4);
        var small = b.Weight("small", [4, 4], Numbers.Uniform(16, 1, -0.1f, 0.1f));
        var large = b.Weight("large", [4, 4], Numbers.Uniform(16, 2, 1f, 2f));
        b.Output(b.Op("MatMul", [b.Op("MatMul", [x, small], "h"), large], "y"));

        var layer = b.Build(13);
        new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 0.5 }).Run(layer);
        Assert.Equal(8, small.Initializer!.ToFloatArray().Count(v => v == 0));
        Assert.Equal(8, large.Initializer!.ToFloatArray().Count(v => v == 0));

        var b2 = new GraphBuilder();
        var x2 = b2.Input("x", 1, 4);
        var small2 = b2.Weight("small", [4, 4], Numbers.Uniform(16, 1, -0.1f, 0.1f));
        var large2 = b2.Weight("large", [4, 4], Numbers.Uniform(16, 2, 1f, 2f));
        b2.Output(b2.Op("MatMul", [b2.Op("MatMul", [x2, small2], "h"), large2], "y"));
        var pass = new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 0.5, Scope = PruneScope.Global });
        var result = pass.Run(b2.Build(13));

        Assert.All(small2.Initializer!.ToFloatArray(), v => Assert.Equal(0f, v));
        Assert.DoesNotContain(0f, large2.Initializer!.ToFloatArray());
        Assert.Equal([1.0, 0.0], result.Report.Nodes.Select(n => n.Sparsity));
        Assert.Equal(0.5, result.Report.Sparsity);
    }

    [Fact]
    public void ExcludedAndUnsafeWeightsStayDenseWithTheReason()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 3, 4, 4);
        var convW = b.Weight("convW", [2, 3, 1, 1], Numbers.Uniform(6, 3));
        var conv = b.Op("Conv", [x, convW], "conv");
        var flat = b.Op("Flatten", [conv], "flat");
        var shared = b.Weight("shared", [32, 32], Numbers.Uniform(1024, 4));
        var m1 = b.Op("MatMul", [flat, shared], "m1");
        var m2 = b.Op("MatMul", [m1, shared], "m2");
        var gemmW = b.Weight("gemmW", [32, 8], Numbers.Uniform(256, 5));
        var gemm = b.Op("Gemm", [m2, gemmW], "gemm");
        var fed = b.Weight("fed", [8, 8], Numbers.Uniform(64, 6));
        b.Graph.Inputs.Add(fed);
        b.Output(b.Op("MatMul", [gemm, fed], "y"));
        var model = b.Build(13);

        var pass = new MagnitudePruningPass(new MagnitudePruningOptions { Exclusions = new NodeFilter(["m2"], ["Gemm"]) });
        var result = pass.Run(model);
        Assert.True(result.Modified);

        var reasons = result.Report.Nodes.ToDictionary(n => n.NodeName, n => n.Reason);
        Assert.Null(reasons["conv"]);
        Assert.Equal("excluded by ExcludeNodes", reasons["m2"]);
        Assert.Equal("excluded by ExcludeOpTypes", reasons["gemm"]);
        Assert.Contains("also read by node 'm2' (MatMul, opset 13)", reasons["m1"], StringComparison.Ordinal);
        Assert.Contains("also a graph input", reasons["y"], StringComparison.Ordinal);
        Assert.Equal(3, convW.Initializer!.ToFloatArray().Count(v => v == 0));
        Assert.Equal(Numbers.Uniform(1024, 4), shared.Initializer!.ToFloatArray());
        Assert.Equal(Numbers.Uniform(256, 5), gemmW.Initializer!.ToFloatArray());
        Assert.Equal(Numbers.Uniform(64, 6), fed.Initializer!.ToFloatArray());
    }

    [Fact]
    public void ConstantNodeWeightsArePrunedInPlace()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 4);
        var w = b.Constant("w", [4, 4], Numbers.Uniform(16, 7));
        b.Output(b.Op("Gemm", [x, w], "y"));
        var model = b.Build(13);

        new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 0.25 }).Run(model);

        var tensor = w.Producer!.GetAttribute("value")!.Tensor!;
        Assert.Equal([4L, 4L], tensor.Dims);
        Assert.Equal(4, tensor.ToFloatArray().Count(v => v == 0));
    }

    [Fact]
    public void PrunedThenDynamicallyQuantizedModelRunsInOnnxRuntime()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 2, 16);
        var w1 = b.Weight("w1", [32, 16], Numbers.Uniform(512, 8));
        var h = b.Op("Relu", [b.Op("Gemm", [x, w1], "g", NodeAttribute.FromInt("transB", 1))], "h");
        var w2 = b.Weight("w2", [32, 10], Numbers.Uniform(320, 9));
        b.Output(b.Op("MatMul", [h, w2], "y"));
        var model = b.Build(13);
        var input = new FloatInput("x", Numbers.Uniform(32, 10), [2, 16]);

        Assert.True(new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 0.6 }).Run(model).Modified);
        var pruned = OrtRunner.Run(model, input)[0];
        var quantize = new DynamicQuantizationPass().Run(model);
        Assert.True(quantize.Modified);
        var quantized = OrtRunner.Run(model, input)[0];

        Assert.Equal(2, quantize.Report.QuantizedCount);
        Assert.True(Numbers.Cosine(pruned, quantized) > 0.99, $"cosine {Numbers.Cosine(pruned, quantized)}");
    }

    [Fact]
    public void SparsityOutsideTheUnitIntervalIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = double.NaN }));
    }
}
