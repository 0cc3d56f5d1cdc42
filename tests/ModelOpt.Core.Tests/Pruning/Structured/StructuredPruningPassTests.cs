using ModelOpt.Core.Passes;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Pruning.Structured;

public sealed class StructuredPruningPassTests
{
    private const int Side = 8;
    private static readonly FloatInput Input = new("X", Numbers.Uniform(3 * Side * Side, 5, -2f, 2f), [1, 3, Side, Side]);

    [Fact]
    public void ConvBatchNormReluConvLosesHalfOfTheFirstConvsChannels()
    {
        var report = PruneAndCompare(ConvBnReluConv, Input, new StructuredPruningOptions { Sparsity = 0.5 });

        Assert.Equal((8, 4), (report.Layer("conv1").ChannelsBefore, report.Layer("conv1").ChannelsAfter));
        // conv2 feeds the graph output, whose shape must not change.
        var whole = Assert.Single(report.UnprunableGroups);
        Assert.Equal(["conv2"], whole.Layers);
        Assert.Contains(whole.Reasons, r => r.Contains("graph output 'conv2'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(13)]
    public void PrunedOutputChannelsAreZeroFilledBackToTheOutputShape(long opset)
    {
        var b = new GraphBuilder();
        var y = b.Op("Relu", [Conv(b, b.Input("X", 1, 3, Side, Side), "conv", 3, 8, 1)], "relu");
        OnnxModel Build() => b.Output(y).Build(opset);
        var model = Build();
        var expected = OrtRunner.Run(model, Input)[0];

        var pass = new StructuredPruningPass(new StructuredPruningOptions { Sparsity = 0.5, PruneOutputChannels = true });
        var result = pass.Run(model);
        Assert.True(result.Modified);
        var actual = OrtRunner.Run(model, Input)[0];

        var kept = result.Report.Layer("conv").KeptChannels;
        Assert.Equal(4, kept.Count);
        Assert.Equal(["relu"], result.Report.ZeroFilledOutputs);
        Assert.Empty(result.Report.UnprunableGroups);
        Assert.Equal(["relu"], model.Graph.Outputs.Select(o => o.Name));
        Assert.Equal([4L, 3, 3, 3], model.Graph.Nodes.Single(n => n.OpType == "Conv").Inputs[1]!.Initializer!.Dims);
        Assert.Equal(expected.Length, actual.Length);
        const int plane = Side * Side;
        for (int c = 0; c < 8; c++)
        {
            var want = kept.Contains(c) ? expected.AsSpan(c * plane, plane).ToArray() : new float[plane];
            Assert.Equal(want, actual.AsSpan(c * plane, plane).ToArray());
        }
    }

    [Theory]
    [InlineData(ChannelImportance.L1)]
    [InlineData(ChannelImportance.L2)]
    public void ResidualAddPrunesBothBranchesAlike(ChannelImportance importance)
    {
        var report = PruneAndCompare(Residual, Input, new StructuredPruningOptions { Sparsity = 0.5, Importance = importance });

        Assert.Equal(report.Layer("conv0").Group, report.Layer("conv2").Group);
        Assert.Equal(report.Layer("conv0").KeptChannels, report.Layer("conv2").KeptChannels);
        Assert.NotEqual(report.Layer("conv0").Group, report.Layer("conv1").Group);
        Assert.Equal(4, report.Layer("conv1").ChannelsAfter);
    }

    [Fact]
    public void ConcatMapsEachBranchToItsOffset()
    {
        var report = PruneAndCompare(ConcatModel, Input, new StructuredPruningOptions { Sparsity = 0.5 });

        Assert.Equal(2, report.Layer("convA").ChannelsAfter);
        Assert.Equal(3, report.Layer("convB").ChannelsAfter);
    }

    [Fact]
    public void DepthwiseConvFollowsItsProducer()
    {
        var report = PruneAndCompare(Depthwise, Input, new StructuredPruningOptions { Sparsity = 0.5 });

        Assert.Equal(report.Layer("conv0").KeptChannels, report.Layer("dw").KeptChannels);
        Assert.Equal(4, report.Layer("dw").ChannelsAfter);
    }

    [Fact]
    public void GroupedConvLosesTheSameCountInEveryGroupOnBothSides()
    {
        var report = PruneAndCompare(Grouped, Input, new StructuredPruningOptions { Sparsity = 0.5 });

        var grouped = report.Layer("grouped");
        Assert.Equal((12, 6), (grouped.ChannelsBefore, grouped.ChannelsAfter));
        // group=3: four outputs per group, two kept in each.
        Assert.All(Enumerable.Range(0, 3), g => Assert.Equal(2, grouped.KeptChannels.Count(c => c / 4 == g)));
        // Its inputs go in whole residues: the same two of every group's four input columns.
        var inputs = report.Layer("conv0").KeptChannels;
        Assert.Equal(6, inputs.Count);
        var columns = inputs.Where(c => c < 4).ToArray();
        Assert.Equal(columns.SelectMany(j => new[] { j, j + 4, j + 8 }).Order(), inputs);
        Assert.DoesNotContain(report.UnprunableGroups, g => g.Layers.Contains("conv0"));
    }

    [Fact]
    public void FlattenIntoGemmRemovesEachChannelsFeatures()
    {
        var report = PruneAndCompare(FlattenGemm, Input, new StructuredPruningOptions { Sparsity = 0.5 });

        Assert.Equal(3, report.Layer("conv0").ChannelsAfter);
        Assert.Equal(5, report.Layer("fc1").ChannelsAfter);
        Assert.Equal(3, report.Layer("fc2").ChannelsAfter);
        Assert.Equal(2, report.Layer("Y").ChannelsAfter);
    }

    [Fact]
    public void ChannelMultipleRoundsTheKeptCountUp()
    {
        var report = PruneAndCompare(Residual, Input, new StructuredPruningOptions { Sparsity = 0.7, ChannelMultiple = 4 });

        // 8 channels at 0.7 would keep 2; rounded up to a multiple of 4.
        Assert.Equal(4, report.Layer("conv1").ChannelsAfter);
    }

    [Fact]
    public void UnknownOpKeepsItsGroupWholeAndNamesIt()
    {
        var report = PruneAndCompare(WithEinsum, Input, new StructuredPruningOptions { Sparsity = 0.5 });

        Assert.Equal(4, report.Layer("convA").ChannelsAfter);
        Assert.Equal(8, report.Layer("convB").ChannelsAfter);
        var whole = report.UnprunableGroups.Single(g => g.Layers.Contains("convB"));
        Assert.Contains(whole.Reasons, r => r.Contains("node 'einsum' (Einsum, opset 13)", StringComparison.Ordinal) && r.Contains("does not understand", StringComparison.Ordinal));
    }

    [Fact]
    public void ExcludedNodesKeepTheirGroup()
    {
        var report = PruneAndCompare(Residual, Input, new StructuredPruningOptions { Sparsity = 0.5, Exclusions = NodeFilter.ForNodes("conv3") });

        // conv3 reads the residual group's channels, so that whole group stays; conv1's does not touch conv3.
        Assert.Equal(8, report.Layer("conv0").ChannelsAfter);
        Assert.Equal(8, report.Layer("conv2").ChannelsAfter);
        Assert.Equal(4, report.Layer("conv1").ChannelsAfter);
        Assert.Contains(report.UnprunableGroups, g => g.Reasons.Any(r => r.Contains("ExcludeNodes", StringComparison.Ordinal)));
    }

    [Fact]
    public void MobileNetV3BecomesSmallerAndMatchesTheHandSlicedReference()
    {
        var builder = new MobileNetV3Builder();
        var input = new FloatInput(MobileNetV3Builder.InputName, Numbers.Uniform(3 * 64 * 64, 9, -1f, 1f), [1, 3, 64, 64]);
        var original = builder.Build();
        long before = Parameters(original);

        var report = PruneAndCompare(builder.Build, input, new StructuredPruningOptions { Sparsity = 0.3 });

        var pruned = builder.Build();
        new StructuredPruningPass(new StructuredPruningOptions { Sparsity = 0.3 }).Run(pruned);
        Assert.True(Parameters(pruned) < 0.75 * before, $"{Parameters(pruned)} of {before} parameters left");
        // Depthwise convs follow their expansion conv; SE gates and the residual adds tie their groups.
        Assert.Equal(report.Layer("block3.expand").KeptChannels, report.Layer("block3.depthwise").KeptChannels);
        Assert.Equal(report.Layer("block3.expand").Group, report.Layer("block3.se.expand").Group);
        Assert.Equal(report.Layer("block1.project").Group, report.Layer("block2.project").Group);
        Assert.Equal(["head.fc2"], Assert.Single(report.UnprunableGroups).Layers);
        Assert.Equal(["logits"], pruned.Graph.Outputs.Select(o => o.Name));
    }

    /// <summary>Prunes one copy, slices another by hand from the report, and compares both in ONNX Runtime.</summary>
    private static StructuredPruningReport PruneAndCompare(Func<OnnxModel> build, FloatInput input, StructuredPruningOptions options)
    {
        var model = build();
        var original = OrtRunner.Run(model, input)[0];
        var pass = new StructuredPruningPass(options);
        var result = pass.Run(model);
        var reference = build();
        HandSlicedReference.Apply(reference, result.Report);

        var actual = OrtRunner.Run(model, input)[0];
        Assert.Equal(original.Length, actual.Length);
        Numbers.AssertClose(OrtRunner.Run(reference, input)[0], actual, 1e-4);
        return result.Report;
    }

    private static long Parameters(OnnxModel model) => model.Graph.Initializers.Sum(v => v.Initializer!.ElementCount);

    private static Value Conv(GraphBuilder b, Value x, string name, int inChannels, int outChannels, int seed, int group = 1)
    {
        var w = b.Weight(name + ".w", [outChannels, inChannels / group, 3, 3], Numbers.Uniform(outChannels * inChannels / group * 9, seed));
        var bias = b.Weight(name + ".b", [outChannels], Numbers.Uniform(outChannels, seed + 100));
        return b.Op("Conv", [x, w, bias], name, NodeAttribute.FromInts("pads", [1, 1, 1, 1]), NodeAttribute.FromInt("group", group));
    }

    private static OnnxModel ConvBnReluConv()
    {
        var b = new GraphBuilder();
        var x = Conv(b, b.Input("X", 1, 3, Side, Side), "conv1", 3, 8, 1);
        x = b.Op("BatchNormalization", [x, b.Weight("s", [8], Numbers.Uniform(8, 2, 0.5f, 2f)), b.Weight("t", [8], Numbers.Uniform(8, 3)),
            b.Weight("m", [8], Numbers.Uniform(8, 4)), b.Weight("v", [8], Numbers.Uniform(8, 6, 0.5f, 2f))], "bn");
        x = b.Op("Relu", [x], "relu");
        return b.Output(Conv(b, x, "conv2", 8, 6, 7)).Build(13);
    }

    private static OnnxModel Residual()
    {
        var b = new GraphBuilder();
        var r = b.Op("Relu", [Conv(b, b.Input("X", 1, 3, Side, Side), "conv0", 3, 8, 1)], "relu0");
        var y = b.Op("Relu", [Conv(b, r, "conv1", 8, 8, 2)], "relu1");
        y = b.Op("Relu", [b.Op("Add", [Conv(b, y, "conv2", 8, 8, 3), r], "add")], "relu2");
        return b.Output(Conv(b, y, "conv3", 8, 4, 4)).Build(13);
    }

    private static OnnxModel ConcatModel()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 3, Side, Side);
        var a = b.Op("Relu", [Conv(b, x, "convA", 3, 4, 1)], "reluA");
        var c = b.Op("Relu", [Conv(b, x, "convB", 3, 6, 2)], "reluB");
        var cat = b.Op("Concat", [a, c], "cat", NodeAttribute.FromInt("axis", 1));
        return b.Output(Conv(b, cat, "conv3", 10, 5, 3)).Build(13);
    }

    private static OnnxModel Depthwise()
    {
        var b = new GraphBuilder();
        var x = b.Op("Relu", [Conv(b, b.Input("X", 1, 3, Side, Side), "conv0", 3, 8, 1)], "relu0");
        x = b.Op("Relu", [Conv(b, x, "dw", 8, 8, 2, group: 8)], "relu1");
        return b.Output(Conv(b, x, "conv2", 8, 4, 3)).Build(13);
    }

    private static OnnxModel Grouped()
    {
        var b = new GraphBuilder();
        var x = b.Op("Relu", [Conv(b, b.Input("X", 1, 3, Side, Side), "conv0", 3, 12, 1)], "relu0");
        x = b.Op("Relu", [Conv(b, x, "grouped", 12, 12, 2, group: 3)], "relu1");
        return b.Output(Conv(b, x, "conv2", 12, 4, 3)).Build(13);
    }

    private static OnnxModel FlattenGemm()
    {
        var b = new GraphBuilder();
        var x = b.Op("Relu", [Conv(b, b.Input("X", 1, 3, Side, Side), "conv0", 3, 6, 1)], "relu0");
        x = b.Op("MaxPool", [x], "pool", NodeAttribute.FromInts("kernel_shape", [2, 2]), NodeAttribute.FromInts("strides", [2, 2]));
        x = b.Op("Flatten", [x], "flat");
        x = b.Op("Gemm", [x, b.Weight("fc1.w", [96, 10], Numbers.Uniform(960, 2)), b.Weight("fc1.b", [10], Numbers.Uniform(10, 3))], "fc1");
        x = b.Op("Relu", [x], "relu1");
        var y = b.Op("Gemm", [x, b.Weight("fc2.w", [6, 10], Numbers.Uniform(60, 4)), b.Weight("fc2.b", [6], Numbers.Uniform(6, 5))], "fc2",
            NodeAttribute.FromInt("transB", 1));
        y = b.Op("Relu", [y], "relu2");
        var z = b.Op("Gemm", [y, b.Weight("fc3.w", [6, 2], Numbers.Uniform(12, 6))], "Y");
        return b.Output(z).Build(13);
    }

    private static OnnxModel WithEinsum()
    {
        var b = new GraphBuilder();
        var x = b.Op("Relu", [Conv(b, b.Input("X", 1, 3, Side, Side), "convA", 3, 8, 1)], "reluA");
        x = Conv(b, x, "convB", 8, 8, 2);
        x = b.Op("Einsum", [x], "einsum", NodeAttribute.FromString("equation", "nchw->nchw"));
        return b.Output(Conv(b, x, "convC", 8, 4, 3)).Build(13);
    }
}
