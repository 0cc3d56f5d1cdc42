using ModelOpt.Core.Analysis;
using ModelOpt.Core.Folding;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Pruning.Structured;

/// <summary>The CNTK ResNet18 (opset 8), BatchNormalization folded first, pruned at Sparsity 0.5.</summary>
public sealed class ResNet18StructuredPruningTests(ITestOutputHelper output)
{
    [Fact]
    public void HalfTheChannelsWithTheOutputKeptLeaveAThirdOfTheCost()
    {
        var (report, paramRatio, macRatio) = PruneAndMeasure(pruneOutputChannels: false);

        // The output (pool5, 512 features) keeps its channels by default, so the last stage's
        // residual group (two 3×3 512→512 convs and the downsample conv) keeps its 512 output
        // channels: only their inputs halve. Measured 43.8 % of the parameters, 33.6 % of the MACs.
        Assert.Single(report.UnprunableGroups);
        Assert.Empty(report.ZeroFilledOutputs);
        Assert.True(paramRatio <= 0.45, $"parameters {paramRatio:P1} of the original");
        Assert.True(macRatio <= 0.35, $"MACs {macRatio:P1} of the original");
    }

    [Fact]
    public void HalfTheChannelsWithTheOutputPrunedLeaveUnderThirtyPercent()
    {
        var (report, paramRatio, macRatio) = PruneAndMeasure(pruneOutputChannels: true);

        // Every group is pruned, as Torch-Pruning does with ResNet18's fc input; the 512-feature
        // output keeps its shape with the removed features zero (the issue's target: ≤ 30 % of both).
        Assert.Empty(report.UnprunableGroups);
        Assert.Equal(["Pooling395_Output_0"], report.ZeroFilledOutputs);
        Assert.True(paramRatio <= 0.30, $"parameters {paramRatio:P1} of the original");
        Assert.True(macRatio <= 0.30, $"MACs {macRatio:P1} of the original");
    }

    private (StructuredPruningReport Report, double ParamRatio, double MacRatio) PruneAndMeasure(bool pruneOutputChannels)
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        new BatchNormFoldingPass().Run(model);
        var originalBytes = OnnxModelWriter.ToBytes(model);
        var (paramsBefore, macsBefore) = Cost(model);

        var pass = new StructuredPruningPass(new StructuredPruningOptions { Sparsity = 0.5, PruneOutputChannels = pruneOutputChannels });
        var result = pass.Run(model);
        Assert.True(result.Modified);
        var prunedBytes = OnnxModelWriter.ToBytes(model);
        var (paramsAfter, macsAfter) = Cost(model);

        foreach (var layer in result.Report.Layers) output.WriteLine($"{layer.Node} ({layer.OpType}): {layer.ChannelsBefore} → {layer.ChannelsAfter} (group {layer.Group})");
        foreach (var group in result.Report.UnprunableGroups) output.WriteLine($"whole: {string.Join(", ", group.Layers)}: {string.Join("; ", group.Reasons)}");
        double paramRatio = (double)paramsAfter / paramsBefore, macRatio = (double)macsAfter / macsBefore;
        output.WriteLine($"parameters {paramsAfter:N0} / {paramsBefore:N0} = {paramRatio:P1}; MACs {macsAfter:N0} / {macsBefore:N0} = {macRatio:P1}");

        var inputs = ResNetInputs.All;
        foreach (var (name, data) in inputs)
        {
            var expected = OrtRunner.Run(originalBytes, ResNetInputs.AsInput(data))[0];
            var actual = OrtRunner.Run(prunedBytes, ResNetInputs.AsInput(data))[0];
            Assert.Equal(expected.Length, actual.Length);
            output.WriteLine($"{name}: feature cosine {Numbers.Cosine(expected, actual):F4} (no fine-tuning)");
        }
        var ms = OrtLatency.MedianMilliseconds([originalBytes, prunedBytes], ResNetInputs.AsInput(inputs[0].Data), warmUp: 3, runs: 15);
        output.WriteLine($"ORT CPU latency: original {ms[0]:F2} ms, pruned {ms[1]:F2} ms, ratio {ms[1] / ms[0]:F2} (target ≤ 0.45, measured in the benchmarks)");
        return (result.Report, paramRatio, macRatio);
    }

    /// <summary>Parameters and multiply-accumulates from the shared cost analysis, which must understand every node.</summary>
    private static (long Parameters, long Macs) Cost(OnnxModel model)
    {
        var cost = ModelCost.Measure(model, new Dictionary<string, long[]> { [ResNetInputs.InputName] = ResNetInputs.Shape });
        Assert.True(cost.IsComplete, "unknown nodes: " + string.Join(", ", cost.UnknownNodes));
        return (cost.Parameters, cost.Macs);
    }
}
