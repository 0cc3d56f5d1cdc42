using ModelOpt.Core.Data;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Static;

/// <summary>
/// Where static quantization puts its QuantizeLinear/DequantizeLinear pairs in the patterns of
/// mobile nets and dense-prediction heads, checked against what ONNX Runtime makes of them.
/// </summary>
public sealed class MobileNetPlacementTests
{
    [Fact]
    public void Relu6AsClipIsMergedIntoTheConvBeforeItAndOnnxRuntimeDropsIt()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 4, 8, 8);
        var expand = b.Op("Conv", [x, b.Weight("W1", [8, 4, 1, 1], Numbers.Uniform(32, 1, -2f, 2f)), b.Weight("B1", [8], Numbers.Uniform(8, 2))], "expand");
        var relu6 = b.Op("Clip", [expand, b.Weight("lo", [], [0f]), b.Weight("hi", [], [6f])], "relu6");
        var project = b.Op("Conv", [relu6, b.Weight("W2", [4, 8, 1, 1], Numbers.Uniform(32, 3)), b.Weight("B2", [4], Numbers.Uniform(4, 4))], "project");
        var residual = b.Op("Add", [project, x], "residual");
        var model = b.Output(b.Op("Conv", [residual, b.Weight("W3", [2, 4, 1, 1], Numbers.Uniform(8, 13))], "Y")).Build(13);
        var data = Samples([1, 4, 8, 8], 8, 10, scale: 3f);
        var expected = OrtRunner.Run(model, Input([1, 4, 8, 8], 99, 3f))[0];

        var report = Quantize(model, StaticQuantizationOptions.Default, data);

        var clip = report.Nodes.Single(n => n.NodeName == "relu6");
        Assert.Equal(NodePrecision.StaticInt8, clip.Precision);
        Assert.Contains("merged into expand", clip.Reason, StringComparison.Ordinal);
        // The Conv's own output is not quantized (its range before the clip is far wider than [0, 6]); the Clip's is.
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "QuantizeLinear" && n.Inputs[0]!.Name == "expand");
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "QuantizeLinear" && n.Inputs[0]!.Name == "relu6");
        var ops = OrtRunner.OptimizedOpTypes(model);
        Assert.DoesNotContain("Clip", ops);
        Assert.Equal(2, ops.Count(o => o == "QLinearConv"));
        Assert.True(Numbers.Cosine(expected, OrtRunner.Run(model, Input([1, 4, 8, 8], 99, 3f))[0]) >= 0.999);
    }

    [Fact]
    public void DetectionHeadsAndProbabilityMapsAfterTheLastConvStayFloat()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 4, 8, 8);
        var trunk = b.Op("Relu", [b.Op("Conv", [x, b.Weight("W1", [8, 4, 3, 3], Numbers.Uniform(288, 5)), b.Weight("B1", [8], Numbers.Uniform(8, 6))], "trunk_conv",
            NodeAttribute.FromInts("pads", [1, 1, 1, 1]))], "trunk");
        var boxes = b.Op("Conv", [trunk, b.Weight("Wb", [4, 8, 1, 1], Numbers.Uniform(32, 7)), b.Weight("Bb", [4], Numbers.Uniform(4, 8))], "box_conv");
        var boxesNhwc = b.Op("Transpose", [boxes], "box_nhwc", NodeAttribute.FromInts("perm", [0, 2, 3, 1]));
        b.Output(b.Op("Reshape", [boxesNhwc, b.Int64s("box_shape", 1, 64, 4)], "boxes"));
        var logits = b.Op("Conv", [trunk, b.Weight("Ws", [1, 8, 1, 1], Numbers.Uniform(8, 9)), b.Weight("Bs", [1], [-1f])], "score_conv");
        var scores = b.Op("Sigmoid", [logits], "score_map");
        var peaks = b.Op("MaxPool", [scores], "peaks", NodeAttribute.FromInts("kernel_shape", [3, 3]), NodeAttribute.FromInts("pads", [1, 1, 1, 1]));
        var isPeak = b.Op("Cast", [b.Op("Equal", [scores, peaks], "is_peak")], "peak_mask", NodeAttribute.FromInt("to", (long)ElementType.Float));
        var model = b.Output(b.Op("Mul", [scores, isPeak], "scores")).Build(13);
        var data = Samples([1, 4, 8, 8], 8, 20, scale: 1f);
        var input = Input([1, 4, 8, 8], 98, 1f);
        var expected = OrtRunner.Run(model, input);

        var report = Quantize(model, StaticQuantizationOptions.Default, data);

        foreach (string name in new[] { "box_nhwc", "boxes", "score_map", "peaks", "scores" })
        {
            var node = report.Nodes.Single(n => n.NodeName == name);
            Assert.Equal(NodePrecision.Float, node.Precision);
            Assert.Contains("after the last layer with weights", node.Reason, StringComparison.Ordinal);
        }
        foreach (string conv in new[] { "box_conv", "score_conv" })
        {
            Assert.Equal(NodePrecision.StaticInt8, report.Nodes.Single(n => n.NodeName == conv).Precision);
            Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "QuantizeLinear" && n.Inputs[0]!.Name == conv);
        }
        // The trunk is still 8-bit: its Conv and Relu are one QLinearConv.
        Assert.Contains("QLinearConv", OrtRunner.OptimizedOpTypes(model));
        var actual = OrtRunner.Run(model, input);
        Assert.True(Numbers.Cosine(expected[0], actual[0]) >= 0.999);
        Assert.True(Numbers.Cosine(expected[1], actual[1]) >= 0.99);
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(32, false)]
    public void ALastConvWithAWiderKernelKeepsFloatWeightsWhenTheyAreASmallPartOfTheModel(int headChannels, bool floatWeights)
    {
        // A 3x3 head Conv before a Sigmoid map writes float; ONNX Runtime would run it in float
        // either way, so 8-bit weights only cost a dequantization per run. 1 channel: 576 weights,
        // under 1/32 of the model's; 32 channels: 18,432, over it, so the file keeps them 8-bit.
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 4, 8, 8);
        var pads = NodeAttribute.FromInts("pads", [1, 1, 1, 1]);
        var stem = b.Op("Relu", [b.Op("Conv", [x, b.Weight("W1", [64, 4, 3, 3], Numbers.Uniform(2304, 21)), b.Weight("B1", [64], Numbers.Uniform(64, 22))], "stem_conv", pads)], "stem");
        var trunk = b.Op("Relu", [b.Op("Conv", [stem, b.Weight("W2", [64, 64, 3, 3], Numbers.Uniform(36864, 23, -0.1f, 0.1f)), b.Weight("B2", [64], Numbers.Uniform(64, 24))], "trunk_conv", pads)], "trunk");
        var head = b.Op("Conv", [trunk, b.Weight("Wh", [headChannels, 64, 3, 3], Numbers.Uniform(headChannels * 576, 25, -0.1f, 0.1f)), b.Weight("Bh", [headChannels], new float[headChannels])], "head", pads);
        var model = b.Output(b.Op("Sigmoid", [head], "map")).Build(13);
        var input = Input([1, 4, 8, 8], 97, 1f);
        var expected = OrtRunner.Run(model, input)[0];

        var report = Quantize(model, StaticQuantizationOptions.Default, Samples([1, 4, 8, 8], 8, 40, scale: 1f));

        var row = report.Nodes.Single(n => n.NodeName == "head");
        var headNode = model.Graph.Nodes.Single(n => n.Name == "head");
        if (floatWeights)
        {
            Assert.Equal(NodePrecision.Float, row.Precision);
            Assert.Contains("no integer Conv with a float output", row.Reason, StringComparison.Ordinal);
            Assert.Equal("Wh", headNode.Inputs[1]!.Name);
            Assert.Equal(ElementType.Float, headNode.Inputs[1]!.Initializer!.ElementType);
        }
        else
        {
            Assert.Equal(NodePrecision.StaticInt8, row.Precision);
            Assert.Equal("DequantizeLinear", headNode.Inputs[1]!.Producer!.OpType);
        }
        // The trunk stays 8-bit either way, and the head still reads its rounded input.
        Assert.Equal(2, OrtRunner.OptimizedOpTypes(model).Count(o => o == "QLinearConv"));
        Assert.Equal("DequantizeLinear", headNode.Inputs[0]!.Producer!.OpType);
        Assert.True(Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]) >= 0.999);
    }

    [Fact]
    public void AConvExcludedBetweenQuantizedValuesStaysFloatInOnnxRuntime()
    {
        // A depthwise Conv between a quantized value and a quantized residual Add. Read through a
        // per-tensor DequantizeLinear, ONNX Runtime would quantize its float weights itself and fuse
        // it into a QLinearConv; the pass gives it a per-channel one, so it runs in float.
        var b = new GraphBuilder();
        var x = b.Input("X", 1, 4, 8, 8);
        var pads = NodeAttribute.FromInts("pads", [1, 1, 1, 1]);
        var block = b.Op("Relu", [b.Op("Conv", [x, b.Weight("W1", [8, 4, 3, 3], Numbers.Uniform(288, 31)), b.Weight("B1", [8], Numbers.Uniform(8, 32))], "expand", pads)], "block");
        var depthwise = b.Op("Conv", [block, b.Weight("Wd", [8, 1, 3, 3], Numbers.Uniform(72, 33)), b.Weight("Bd", [8], Numbers.Uniform(8, 34))], "depthwise",
            pads, NodeAttribute.FromInt("group", 8));
        var residual = b.Op("Add", [block, depthwise], "residual");
        var model = b.Output(b.Op("Conv", [residual, b.Weight("W3", [2, 8, 1, 1], Numbers.Uniform(16, 35))], "Y")).Build(13);
        var input = Input([1, 4, 8, 8], 96, 1f);
        var expected = OrtRunner.Run(model, input)[0];

        var report = Quantize(model, StaticQuantizationOptions.Default with { Exclusions = new NodeFilter(["depthwise"], []) }, Samples([1, 4, 8, 8], 8, 50, scale: 1f));

        Assert.Equal(NodePrecision.Float, report.Nodes.Single(n => n.NodeName == "depthwise").Precision);
        var reading = model.Graph.Nodes.Single(n => n.Name == "depthwise").Inputs[0]!.Producer!;
        Assert.Equal("DequantizeLinear", reading.OpType);
        Assert.Equal(1, reading.GetAttribute("axis")!.Int);
        Assert.Equal([8L], reading.Inputs[1]!.Initializer!.Dims);
        // The expanding Conv is the one QLinearConv (the last Conv writes the float output).
        var ops = OrtRunner.OptimizedOpTypes(model);
        Assert.Equal(1, ops.Count(o => o == "QLinearConv"));
        Assert.Contains("com.microsoft.QLinearAdd", ops);
        Assert.True(Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]) >= 0.999);
    }

    [Fact]
    public void BiasCorrectionCancelsTheMeanErrorOfRoundedDepthwiseWeights()
    {
        // A depthwise 3x3 conv reading inputs with a large common offset: rounding its 9 weights
        // per channel shifts each output channel by (W_q - W)·E[x], which bias correction removes.
        const int channels = 16;
        long[] shape = [1, channels, 10, 10];
        OnnxModel Build()
        {
            var b = new GraphBuilder();
            var x = b.Input("X", shape);
            var dw = b.Op("Conv", [x, b.Weight("Wd", [channels, 1, 3, 3], Numbers.Uniform(channels * 9, 11, -0.5f, 0.5f)),
                b.Weight("Bd", [channels], new float[channels])], "depthwise", NodeAttribute.FromInt("group", channels));
            return b.Output(b.Op("Conv", [dw, b.Weight("Wp", [4, channels, 1, 1], Numbers.Uniform(4 * channels, 12)), b.Weight("Bp", [4], new float[4])], "Y")).Build(13);
        }
        var data = Samples(shape, 8, 30, scale: 1f, offset: 4f);
        var inputs = Enumerable.Range(0, 4).Select(i => Input(shape, 90 + i, 1f, 4f)).ToArray();
        var reference = inputs.Select(i => OrtRunner.Run(Build(), i)[0]).ToArray();

        double MeanError(bool correct)
        {
            var model = Build();
            Quantize(model, StaticQuantizationOptions.Default with { BiasCorrection = correct }, data);
            double sum = 0;
            long count = 0;
            for (int i = 0; i < inputs.Length; i++)
            {
                var actual = OrtRunner.Run(model, inputs[i])[0];
                for (int k = 0; k < actual.Length; k++) sum += actual[k] - reference[i][k];
                count += actual.Length;
            }
            return Math.Abs(sum / count);
        }

        double without = MeanError(false), with = MeanError(true);
        Assert.True(with < without / 3, $"mean error {with} with bias correction, {without} without");
    }

    [Fact]
    public void TheCorrectedBiasSubtractsTheWeightErrorTimesTheInputMeansPerGroup()
    {
        // Two groups of two input channels, one output channel per group, kernel of two.
        float[] weights = [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f];
        float[] rounded = [1.5f, 2f, 3f, 3.5f, 5f, 6.25f, 7f, 8f];
        double[] means = [2, 10, -1, 4];

        var corrected = BiasCorrection.Correct(weights, rounded, outputChannels: 2, groups: 2, means, bias: [0.5f, -1f]);

        // Channel 0 reads inputs 0, 1: errors (0.5 + 0)·2 + (0 − 0.5)·10 = −4. Channel 1 reads 2, 3: (0 + 0.25)·(−1) + 0·4 = −0.25.
        Assert.Equal([4.5f, -0.75f], corrected);
    }

    private static StaticQuantizationReport Quantize(OnnxModel model, StaticQuantizationOptions options, SampleSet data)
    {
        var pass = new StaticQuantizationPass(options, data, Calibrators.Cpu());
        var result = new PassPipeline(pass).Run(model).ResultOf(pass);
        _ = OnnxModelWriter.ToBytes(model);
        return result.Report;
    }

    private static SampleSet Samples(long[] shape, int count, int seed, float scale, float offset = 0f)
        => SampleSet.FromSamples(Enumerable.Range(0, count).Select(i =>
            new Sample($"s{i}", [SampleTensor.FromFloats(null, shape, Values(shape, seed + i, scale, offset))])));

    private static FloatInput Input(long[] shape, int seed, float scale, float offset = 0f) => new("X", Values(shape, seed, scale, offset), shape);

    private static float[] Values(long[] shape, int seed, float scale, float offset)
        => [.. Numbers.Uniform((int)shape.Aggregate(1L, (a, d) => a * d), seed, -scale, scale).Select(v => v + offset)];
}
