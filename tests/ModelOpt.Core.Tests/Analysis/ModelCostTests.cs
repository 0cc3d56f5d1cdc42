using ModelOpt.Core.Analysis;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Analysis;

/// <summary>MACs and parameters against hand-computed counts, and ResNet18 against the published figure.</summary>
public sealed class ModelCostTests(ITestOutputHelper output)
{
    [Fact]
    public void StridedPaddedConvCountsOneMacPerWeightPerOutputPosition()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 3, 8, 8);
        var w = b.Weight("w", [4, 3, 3, 3], Numbers.Uniform(108, 1));
        var bias = b.Weight("b", [4], new float[4]);
        b.Output(b.Op("Conv", [x, w, bias], "y", NodeAttribute.FromInts("pads", [1, 1, 1, 1]), NodeAttribute.FromInts("strides", [2, 2])));

        var report = ModelCost.Measure(b.Build(13));

        // Output 1×4×4×4 (floor((8 + 2 − 3) / 2) + 1 = 4); each element reads 3·3·3 weights.
        Assert.Equal(64L * 27, report.Macs);
        Assert.Equal(108 + 4, report.Parameters);
        Assert.True(report.IsComplete);
        var node = Assert.Single(report.Nodes);
        Assert.Equal(("y", "Conv", 1728L, 112L, 0.25), (node.NodeName, node.OpType, node.Macs!.Value, node.Parameters, 0.0 + 0.25));
    }

    [Fact]
    public void DepthwiseDilatedConvCountsOneGroupsChannels()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 4, 10, 10);
        var w = b.Weight("w", [4, 1, 3, 3], Numbers.Uniform(36, 2));
        b.Output(b.Op("Conv", [x, w], "y", NodeAttribute.FromInt("group", 4), NodeAttribute.FromInts("dilations", [2, 2])));

        // Effective kernel 5, so 10 − 5 + 1 = 6 per side; each output reads 1·3·3 weights.
        Assert.Equal(4L * 36 * 9, ModelCost.Measure(b.Build(13)).Macs);
    }

    [Fact]
    public void SameUpperAutoPadRoundsTheOutputUp()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 2, 7, 7);
        var w = b.Weight("w", [3, 2, 3, 3], Numbers.Uniform(54, 3));
        var y = b.Op("Conv", [x, w], "y", NodeAttribute.FromString("auto_pad", "SAME_UPPER"), NodeAttribute.FromInts("strides", [2, 2]));
        // Pooling and element-wise operators pass the shape on to the next Conv: 4×4 → 2×2 → 2×2.
        var pooled = b.Op("MaxPool", [b.Op("Relu", [y], "r")], "p", NodeAttribute.FromInts("kernel_shape", [2, 2]), NodeAttribute.FromInts("strides", [2, 2]));
        var w2 = b.Weight("w2", [5, 3, 1, 1], Numbers.Uniform(15, 4));
        b.Output(b.Op("Conv", [b.Op("Add", [pooled, pooled], "s"), w2], "z"));

        var report = ModelCost.Measure(b.Build(13));

        // ceil(7 / 2) = 4: 3·16 outputs × 18 weights; then 5·4 outputs × 3 weights.
        Assert.Equal([3L * 16 * 18, 5L * 4 * 3], report.Nodes.Select(n => n.Macs!.Value));
    }

    [Fact]
    public void ConvTransposeCountsEveryInputElementTimesItsScatter()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 2, 3, 3);
        var w = b.Weight("w", [2, 3, 2, 2], Numbers.Uniform(24, 5));
        var y = b.Op("ConvTranspose", [x, w], "y", NodeAttribute.FromInts("strides", [2, 2]));
        // Output 1×3×6×6 ((3 − 1)·2 + 2 = 6), which the 1×1 Conv after it confirms.
        var w2 = b.Weight("w2", [1, 3, 1, 1], Numbers.Uniform(3, 6));
        b.Output(b.Op("Conv", [y, w2], "z"));

        var report = ModelCost.Measure(b.Build(13));

        Assert.Equal([18L * 3 * 4, 36L * 3], report.Nodes.Select(n => n.Macs!.Value));
    }

    [Fact]
    public void GemmAndMatMulCountTheirInnerDimension()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 2, 5, 1, 1);
        var gemmB = b.Weight("gb", [3, 5], Numbers.Uniform(15, 7));
        var gemm = b.Op("Gemm", [b.Op("Flatten", [x], "f"), gemmB], "g", NodeAttribute.FromInt("transB", 1));
        var a = b.Input("a", 2, 4, 5);
        var matB = b.Weight("mb", [5, 6], Numbers.Uniform(30, 8));
        b.Output(gemm).Output(b.Op("MatMul", [a, matB], "m"));

        var report = ModelCost.Measure(b.Build(13));

        // Gemm [2,5]·[5,3]: 2·3 outputs × 5. MatMul [2,4,5]·[5,6]: 2·4·6 outputs × 5.
        Assert.Equal([30L, 240L], report.Nodes.Select(n => n.Macs!.Value));
        Assert.Equal(15 + 30, report.Parameters);
    }

    [Fact]
    public void UnknownInputShapeIsReportedAndCanBeGiven()
    {
        var b = new GraphBuilder();
        var x = b.InputOfUnknownShape("x");
        var w = b.Weight("w", [4, 3, 3, 3], Numbers.Uniform(108, 9));
        b.Output(b.Op("Conv", [x, w], "y"));
        var model = b.Build(13);

        var unknown = ModelCost.Measure(model);
        var known = ModelCost.Measure(model, new Dictionary<string, long[]> { ["x"] = [1, 3, 5, 5] });

        Assert.Equal(0, unknown.Macs);
        Assert.Null(Assert.Single(unknown.Nodes).Macs);
        Assert.Contains("'y' (Conv, opset 13)", Assert.Single(unknown.UnknownNodes), StringComparison.Ordinal);
        Assert.True(known.IsComplete);
        Assert.Equal(4L * 9 * 27, known.Macs);
    }

    [Fact]
    public void SharedWeightCountsOnceInTheTotal()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", 1, 2);
        var w = b.Weight("w", [2, 2], [1, 0, 0, 1]);
        b.Output(b.Op("MatMul", [b.Op("MatMul", [x, w], "m1"), w], "m2"));

        var report = ModelCost.Measure(b.Build(13));

        Assert.Equal(4, report.Parameters);
        Assert.All(report.Nodes, n => Assert.Equal((4L, 0.5), (n.Parameters, n.WeightSparsity!.Value)));
    }

    [Fact]
    public void ResNet18MatchesTheTorchvisionCountPlusItsTwoExtraConvs()
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);

        var report = ModelCost.Measure(model, new Dictionary<string, long[]> { [ResNetInputs.InputName] = ResNetInputs.Shape });

        output.WriteLine($"ResNet18: {report.Macs:N0} MACs, {report.Parameters:N0} parameters in {report.Nodes.Count} nodes");
        foreach (var node in report.Nodes) output.WriteLine($"  {node.NodeName} {node.OpType}: {node.Macs:N0} MACs, {node.Parameters:N0} parameters");
        Assert.True(report.IsComplete, string.Join("; ", report.UnknownNodes));
        // torchvision's ResNet18 convolutions make 1,813,561,344 MACs (Torch-Pruning's 1.82 G adds
        // the 512,000 of the fc layer) and hold 11,166,912 weights. This CNTK featurizer has no fc
        // layer but 22 instead of 20 convolutions: two more 3×3 512→512 at 7×7, each
        // 512·49·4608 = 115,605,504 MACs and 2,359,296 weights.
        const long extraMacs = 2 * 115_605_504L, extraWeights = 2 * 2_359_296L;
        Assert.Equal(22, report.Nodes.Count);
        Assert.Equal(1_813_561_344L + extraMacs, report.Macs);
        Assert.Equal(11_166_912L + extraWeights, report.Parameters);
    }
}
