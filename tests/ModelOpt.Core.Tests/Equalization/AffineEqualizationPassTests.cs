using ModelOpt.Core.Data;
using ModelOpt.Core.Equalization;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Equalization;

public sealed class AffineEqualizationPassTests
{
    private const int Channels = 8;
    private static readonly long[] Shape = [1, Channels, 10, 10];

    [Fact]
    public void Learnable_affine_blocks_take_the_scales_and_the_function_stays()
    {
        var model = AffineBlockNet(shareScale: false, divide: false);
        var input = new FloatInput("X", Numbers.Uniform(800, 3), Shape);
        var expected = OrtRunner.Run(model, input)[0];

        var result = new AffineEqualizationPass(Calibration(), Calibrators.Cpu()).Run(model);

        Assert.True(result.Modified);
        Assert.Equal(1, result.Report.ConvOutputCount);
        Assert.Equal(1, result.Report.ConvInputCount);
        var actual = OrtRunner.Run(model, input)[0];
        Assert.True(Numbers.MaxAbsDifference(expected, actual) <= 1e-4 * Numbers.MaxAbs(expected), "the float function changed");
        // Both scalar constants became one entry per channel, laid out to broadcast on axis 1.
        var constants = model.Graph.Initializers.Where(v => v.Name.EndsWith("_equalized", StringComparison.Ordinal)).ToDictionary(v => v.Name, v => v.Initializer!);
        Assert.Equal([Channels, 1, 1], constants["a_equalized"].Dims);
        Assert.Equal([Channels, 1, 1], constants["c_equalized"].Dims);
        Assert.Equal([Channels, 1, 1], constants["d_equalized"].Dims);
    }

    [Fact]
    public void A_Div_by_a_constant_absorbs_the_input_scales_too()
    {
        var model = AffineBlockNet(shareScale: false, divide: true);
        var input = new FloatInput("X", Numbers.Uniform(800, 4), Shape);
        var expected = OrtRunner.Run(model, input)[0];

        var result = new AffineEqualizationPass(Calibration(), Calibrators.Cpu()).Run(model);

        Assert.Equal(1, result.Report.ConvInputCount);
        var actual = OrtRunner.Run(model, input)[0];
        Assert.True(Numbers.MaxAbsDifference(expected, actual) <= 1e-4 * Numbers.MaxAbs(expected), "the float function changed");
    }

    [Fact]
    public void A_constant_that_something_else_reads_is_left_alone()
    {
        // One scalar feeds both affine Muls: dividing it for one site would change the other.
        var model = AffineBlockNet(shareScale: true, divide: false);
        var result = new AffineEqualizationPass(Calibration(), Calibrators.Cpu()).Run(model);

        Assert.Equal(0, result.Report.ConvOutputCount);
        Assert.Equal(0, result.Report.ConvInputCount);
        Assert.False(result.Modified);
    }

    [Fact]
    public void Per_tensor_activations_are_rounded_more_accurately_after_equalization()
    {
        var input = new FloatInput("X", Numbers.Uniform(800, 77), Shape);
        var options = StaticQuantizationOptions.Default with { BiasCorrection = false };

        double Cosine(bool equalize)
        {
            var model = AffineBlockNet(shareScale: false, divide: false);
            var expected = OrtRunner.Run(model, input)[0];
            if (equalize) new AffineEqualizationPass(Calibration(), Calibrators.Cpu()).Run(model);
            new PassPipeline(new StaticQuantizationPass(options, Calibration(), Calibrators.Cpu())).Run(model);
            return Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]);
        }

        double without = Cosine(false), with = Cosine(true);
        Assert.True(with > without && 1 - with < (1 - without) / 3, $"cosine {with} with equalization, {without} without");
    }

    private static SampleSet Calibration()
        => SampleSet.FromSamples(Enumerable.Range(0, 8).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, Shape, Numbers.Uniform(800, 40 + i))])));

    /// <summary>
    /// PP-LCNetV3's pattern: a pointwise Conv whose output channels span three orders of
    /// magnitude, a learnable affine block <c>Mul(a) → Add(b)</c>, a HardSwish (which no scale
    /// commutes with), a second affine block <c>Mul(c) → Add(d)</c> (or a <c>Div</c> by a constant),
    /// then a depthwise Conv whose weights undo the channels' ranges.
    /// </summary>
    private static OnnxModel AffineBlockNet(bool shareScale, bool divide)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", Shape);
        var pointwiseWeights = Numbers.Uniform(Channels * Channels, 1);
        var depthwiseWeights = Numbers.Uniform(Channels * 9, 2);
        for (int c = 0; c < Channels; c++)
        {
            float scale = MathF.Pow(10f, (c % 4) - 1.5f);
            for (int k = 0; k < Channels; k++) pointwiseWeights[(c * Channels) + k] *= scale;
            for (int k = 0; k < 9; k++) depthwiseWeights[(c * 9) + k] /= scale;
        }
        var pointwise = b.Node("Conv", [x, b.Weight("Wp", [Channels, Channels, 1, 1], pointwiseWeights), b.Weight("Bp", [Channels], Numbers.Uniform(Channels, 3, 0f, 0.1f))],
            ["pointwise"], "pointwise").Outputs[0]!;
        var a = b.Weight("a", [1], [0.8f]);
        var scaled = b.Op("Mul", [pointwise, a], "scale_a");
        var shifted = b.Op("Add", [scaled, b.Weight("b", [1], [0.1f])], "shift_b");
        var activated = b.Op("HardSwish", [shifted], "hardswish");
        var affine = divide
            ? b.Op("Div", [activated, b.Weight("k", [], [6f])], "divide_k")
            : b.Op("Add", [b.Op("Mul", [activated, shareScale ? a : b.Weight("c", [1], [1.2f])], "scale_c"), b.Weight("d", [1], [-0.05f])], "shift_d");
        var y = b.Node("Conv", [affine, b.Weight("Wd", [Channels, 1, 3, 3], depthwiseWeights), b.Weight("Bd", [Channels], new float[Channels])],
            ["Y"], "depthwise", NodeAttribute.FromInt("group", Channels), NodeAttribute.FromInts("pads", [1, 1, 1, 1])).Outputs[0]!;
        return b.Output(y).Build(14);
    }
}
