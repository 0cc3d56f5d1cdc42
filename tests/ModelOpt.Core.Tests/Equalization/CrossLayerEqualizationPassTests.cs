using ModelOpt.Core.Data;
using ModelOpt.Core.Equalization;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Equalization;

public sealed class CrossLayerEqualizationPassTests
{
    private const int Channels = 8;
    private static readonly long[] Shape = [1, Channels, 10, 10];

    [Fact]
    public void EqualizedChannelsComputeTheSameFunctionWithBalancedRanges()
    {
        var model = DepthwiseSeparable(activation: "Relu");
        var input = new FloatInput("X", Numbers.Uniform(800, 3), Shape);
        var expected = OrtRunner.Run(model, input)[0];
        double before = RangeSpread(model, "Wd");

        var result = new CrossLayerEqualizationPass().Run(model);

        Assert.True(result.Modified);
        Assert.Equal(1, result.Report.PairCount);
        var actual = OrtRunner.Run(model, input)[0];
        Assert.True(Numbers.MaxAbsDifference(expected, actual) <= 1e-5 * Numbers.MaxAbs(expected), "the float function changed");
        double after = RangeSpread(model, "Wd_equalized");
        Assert.True(after < before / 10, $"largest/smallest channel range of the depthwise weights: {after} after, {before} before");
    }

    [Fact]
    public void A_Clip_between_the_Convs_or_a_shared_weight_leaves_the_pair_alone()
    {
        // Clip(0, 6) does not commute with scaling a channel: Clip(x / s) != Clip(x) / s.
        var clipped = DepthwiseSeparable(activation: "Clip");
        Assert.False(new CrossLayerEqualizationPass().Run(clipped).Modified);

        var shared = DepthwiseSeparable(activation: null);
        var b = shared.Graph;
        var pointwise = b.Nodes.Single(n => n.Name == "pointwise");
        var extra = new Node("Conv", [b.Nodes.Single(n => n.Name == "depthwise").Outputs[0], pointwise.Inputs[1]], ["Z"], "second_reader_of_Wp");
        b.AddNode(extra);
        b.Outputs.Add(extra.Outputs[0]!);
        Assert.False(new CrossLayerEqualizationPass().Run(shared).Modified);
    }

    [Fact]
    public void PerTensorStaticQuantizationIsMoreAccurateAfterEqualization()
    {
        var data = SampleSet.FromSamples(Enumerable.Range(0, 8).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, Shape, Numbers.Uniform(800, 40 + i))])));
        var input = new FloatInput("X", Numbers.Uniform(800, 77), Shape);
        var options = StaticQuantizationOptions.Default with { PerChannel = false, BiasCorrection = false };

        double Cosine(bool equalize)
        {
            var model = DepthwiseSeparable(activation: "Relu");
            var expected = OrtRunner.Run(model, input)[0];
            if (equalize) new CrossLayerEqualizationPass().Run(model);
            var pass = new StaticQuantizationPass(options, data, Calibrators.Cpu());
            new PassPipeline(pass).Run(model);
            return Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]);
        }

        double without = Cosine(false), with = Cosine(true);
        Assert.True(with > without && with >= 0.99, $"cosine {with} with equalization, {without} without");
    }

    /// <summary>A depthwise 3×3 Conv whose channels span three orders of magnitude (as BatchNormalization folded into it leaves them), then a pointwise Conv.</summary>
    private static OnnxModel DepthwiseSeparable(string? activation)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", Shape);
        var depthwiseWeights = Numbers.Uniform(Channels * 9, 1);
        for (int c = 0; c < Channels; c++)
        {
            float scale = MathF.Pow(10f, (c % 4) - 1.5f);
            for (int k = 0; k < 9; k++) depthwiseWeights[(c * 9) + k] *= scale;
        }
        var depthwise = b.Node("Conv", [x, b.Weight("Wd", [Channels, 1, 3, 3], depthwiseWeights), b.Weight("Bd", [Channels], Numbers.Uniform(Channels, 2, 0f, 0.5f))],
            ["depthwise"], "depthwise", NodeAttribute.FromInt("group", Channels), NodeAttribute.FromInts("pads", [1, 1, 1, 1])).Outputs[0]!;
        var between = activation switch
        {
            "Relu" => b.Op("Relu", [depthwise], "act"),
            "Clip" => b.Op("Clip", [depthwise, b.Weight("lo", [], [0f]), b.Weight("hi", [], [6f])], "act"),
            _ => depthwise,
        };
        var y = b.Node("Conv", [between, b.Weight("Wp", [4, Channels, 1, 1], Numbers.Uniform(4 * Channels, 4)), b.Weight("Bp", [4], new float[4])],
            ["Y"], "pointwise").Outputs[0]!;
        return b.Output(y).Build(13);
    }

    private static double RangeSpread(OnnxModel model, string weight)
    {
        var values = model.Graph.Initializers.Single(v => v.Name == weight).Initializer!.ToFloatArray();
        var ranges = Enumerable.Range(0, Channels).Select(c => values.Skip(c * 9).Take(9).Max(Math.Abs)).ToArray();
        return ranges.Max() / ranges.Min();
    }
}
