using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Quantization;

public sealed class MatMulQuantizationTests
{
    private const int K = 48;
    private const int N = 20;

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(false, false, true)]
    [InlineData(true, true, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, false)]
    public void MatMulWithConstantWeightsBecomesIntegerAndStaysClose(bool perChannel, bool symmetric, bool reduceRange)
    {
        var (model, input) = MatMulModel(opset: 13, constantNode: false);
        var options = new DynamicQuantizationOptions { PerChannel = perChannel, Symmetric = symmetric, ReduceRange = reduceRange };

        var report = QuantizedModels.QuantizeAndCompare(model, options, input, K, maxAbsWeight: 0.5f);

        var entry = Assert.Single(report.Nodes);
        Assert.Equal(new NodeQuantization("mm", "MatMul", NodePrecision.Int8,
            perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null), entry);
        Assert.Null(QuantizedModels.Initializer(model, "W"));
        var quantized = QuantizedModels.Initializer(model, "W_quantized")!.Initializer!;
        var storage = reduceRange ? ElementType.Int8 : ElementType.UInt8;
        Assert.Equal(storage, quantized.ElementType);
        Assert.Equal([K, N], quantized.Dims);
        Assert.Equal(perChannel ? [N] : [], QuantizedModels.Initializer(model, "W_scale")!.Initializer!.Dims);
        var zeroPoint = QuantizedModels.Initializer(model, "W_zero_point")!.Initializer!;
        Assert.Equal(storage, zeroPoint.ElementType);
        Assert.Equal(perChannel && !symmetric ? [N] : [], zeroPoint.Dims);
        // The 7-bit grid: every stored value (and zero point) is within [-64, 63].
        if (reduceRange) Assert.All(quantized.GetRawData().ToArray(), v => Assert.InRange((sbyte)v, -64, 63));
        Assert.Equal(["DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"], model.Graph.Nodes.Select(n => n.OpType));
    }

    [Theory]
    [InlineData(11, true, true)]
    [InlineData(13, true, true)]
    [InlineData(13, false, true)]
    [InlineData(17, true, true)]
    [InlineData(21, true, true)]
    [InlineData(13, true, false)]
    [InlineData(21, false, false)]
    public void OnnxRuntimeFusesTheQuantizedMatMul(long opset, bool perChannel, bool reduceRange)
    {
        var (model, _) = MatMulModel(opset, constantNode: false);
        new DynamicQuantizationPass(new DynamicQuantizationOptions { PerChannel = perChannel, ReduceRange = reduceRange }).Run(model);

        var ops = OrtRunner.OptimizedOpTypes(model);

        Assert.Equal(["com.microsoft.DynamicQuantizeMatMul"], ops);
    }

    [Fact]
    public void ConstantNodeWeightsAreQuantizedAndTheConstantRemoved()
    {
        var (model, input) = MatMulModel(opset: 13, constantNode: true);

        var report = QuantizedModels.QuantizeAndCompare(model, DynamicQuantizationOptions.Default, input, K, maxAbsWeight: 0.5f);

        Assert.Equal(NodePrecision.Int8, Assert.Single(report.Nodes).Precision);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Constant");
        Assert.NotNull(QuantizedModels.Initializer(model, "W_quantized"));
    }

    [Fact]
    public void AnOldOpsetIsUpgradedFirst()
    {
        var (model, input) = MatMulModel(opset: 8, constantNode: false);

        var report = QuantizedModels.QuantizeAndCompare(model, DynamicQuantizationOptions.Default, input, K, maxAbsWeight: 0.5f);

        Assert.Equal(11, report.Opset);
        Assert.Equal(11, model.GetOpsetVersion(""));
        Assert.True(model.IrVersion >= 6);
    }

    [Fact]
    public void AWeightSharedByTwoNodesIsQuantizedOnce()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 3, K);
        var w = b.Weight("W", [K, K], Numbers.Uniform(K * K, seed: 11, -0.2f, 0.2f));
        var first = b.Op("MatMul", [x, w], "first");
        var model = b.Output(b.Op("MatMul", [first, w], "second")).Build(opset: 13);
        var input = new FloatInput("X", Numbers.Uniform(3 * K, seed: 12), [3, K]);
        var expected = OrtRunner.Run(model, input)[0];

        new DynamicQuantizationPass().Run(model);

        Assert.Single(model.Graph.Initializers, v => v.Initializer!.ElementType == ElementType.Int8 && v.Initializer.Dims.Count == 2);
        Assert.True(Numbers.Cosine(expected, OrtRunner.Run(model, input)[0]) >= 0.999);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WorstCaseProductsAreExactOnEveryKernel(bool symmetric)
    {
        // Activations that all quantize near 255 times weights that all sit at the negative end
        // of the grid: the largest pair sums a u8·s8 kernel adds in 16 bits (2 · 255 · 64 =
        // 32,640 on the 7-bit grid). Full-range int8 weights would reach 2 · 255 · 127 = 64,770
        // and saturate on x86-64 without VNNI (see QuantizationContext.AddQuantizedWeight); the
        // quantization bound below would catch that by orders of magnitude.
        var b = new GraphBuilder();
        var x = b.Input("X", 4, K);
        var w = b.Weight("W", [K, N], Numbers.Uniform(K * N, seed: 17, -0.5f, -0.45f));
        var model = b.Output(b.Op("MatMul", [x, w], "mm")).Build(opset: 13);
        var input = new FloatInput("X", Numbers.Uniform(4 * K, seed: 18, 2.9f, 3f), [4, K]);

        QuantizedModels.QuantizeAndCompare(model, new DynamicQuantizationOptions { Symmetric = symmetric }, input, K, maxAbsWeight: 0.5f);
    }

    [Fact]
    public void BatchedActivationsWork()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3, K);
        var model = b.Output(b.Op("MatMul", [x, b.Weight("W", [K, N], Numbers.Uniform(K * N, seed: 13, -0.5f, 0.5f))], "mm")).Build(opset: 13);

        QuantizedModels.QuantizeAndCompare(model, DynamicQuantizationOptions.Default,
            new FloatInput("X", Numbers.Uniform(6 * K, seed: 14, -3, 2), [2, 3, K]), K, maxAbsWeight: 0.5f);
    }

    internal static (OnnxModel Model, FloatInput Input) MatMulModel(long opset, bool constantNode)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 4, K);
        var weights = Numbers.Uniform(K * N, seed: 15, -0.5f, 0.5f);
        // Columns of very different ranges, so per-channel scales matter.
        for (int i = 0; i < weights.Length; i++) weights[i] *= 0.05f + (i % N) / (float)N;
        var w = constantNode ? b.Constant("W", [K, N], weights) : b.Weight("W", [K, N], weights);
        var model = b.Output(b.Op("MatMul", [x, w], "mm")).Build(opset);
        return (model, new FloatInput("X", Numbers.Uniform(4 * K, seed: 16, -2, 3), [4, K]));
    }
}
