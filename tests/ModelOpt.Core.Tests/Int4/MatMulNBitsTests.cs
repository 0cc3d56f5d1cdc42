using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Int4;

/// <summary>
/// MatMul → com.microsoft.MatMulNBits, checked in ONNX Runtime against the float model and
/// against the weights decoded independently from the written initializers.
/// </summary>
public sealed class MatMulNBitsTests
{
    // Not a multiple of any block size: 7, 4 and 2 blocks, the last one partly padding.
    private const int K = 200;
    private const int N = 24;

    [Theory]
    [InlineData(32, true)]
    [InlineData(32, false)]
    [InlineData(64, true)]
    [InlineData(64, false)]
    [InlineData(128, true)]
    [InlineData(128, false)]
    public void MatMulBecomesMatMulNBitsThatComputesWithTheDecodedWeights(int blockSize, bool symmetric)
    {
        var (model, weights, input) = MatMulModel([3, K]);
        var expected = OrtRunner.Run(model, input)[0];
        var pass = new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { BlockSize = blockSize, Symmetric = symmetric });

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(new NodeQuantization("mm", "MatMul", NodePrecision.Int4, QuantizationGranularity.PerBlock, null), Assert.Single(result.Report.Nodes));
        var node = Assert.Single(model.Graph.Nodes);
        Assert.Equal(("com.microsoft", "MatMulNBits", "mm"), (node.Domain, node.OpType, node.Name));
        Assert.Equal([K, N, 4, blockSize], new[] { "K", "N", "bits", "block_size" }.Select(a => node.GetAttribute(a)!.Int));
        Assert.Equal(symmetric ? 3 : 4, node.Inputs.Count);
        Assert.Equal(1, model.GetOpsetVersion("com.microsoft"));
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name == "W");

        var decoded = Int4Reference.MatMulNBitsWeight(node);
        int blocks = (K + blockSize - 1) / blockSize;
        var scales = node.Inputs[2]!.Initializer!.ToFloatArray();
        for (int i = 0; i < weights.Length; i++)
        {
            float scale = scales[i % N * blocks + i / N / blockSize];
            Assert.True(MathF.Abs(decoded[i] - weights[i]) <= Int4Reference.StepBound(scale, symmetric), $"weight {i}: {weights[i]} decoded as {decoded[i]}");
        }

        var actual = OrtRunner.Run(model, input)[0];
        var reference = Int4Reference.Multiply(input.Data, decoded, K, N);
        Numbers.AssertClose(reference, actual, 1e-4 * Numbers.MaxAbs(reference));
        double cosine = Numbers.Cosine(expected, actual);
        Assert.True(cosine >= 0.99, $"cosine {cosine} against the float model");
    }

    [Fact]
    public void BatchedActivationsKeepTheirShape()
    {
        var (model, _, input) = MatMulModel([2, 3, K]);
        new Int4WeightOnlyQuantizationPass().Run(model);
        var node = Assert.Single(model.Graph.Nodes);

        var actual = OrtRunner.Run(model, input)[0];

        Assert.Equal(2 * 3 * N, actual.Length);
        var reference = Int4Reference.Multiply(input.Data, Int4Reference.MatMulNBitsWeight(node), K, N);
        Numbers.AssertClose(reference, actual, 1e-4 * Numbers.MaxAbs(reference));
    }

    /// <summary>X [.., K] · W [K, N] with columns of different ranges, an all-zero column, and an all-positive one.</summary>
    internal static (OnnxModel Model, float[] Weights, FloatInput Input) MatMulModel(long[] inputShape)
    {
        var b = new GraphBuilder();
        var x = b.Input("X", inputShape);
        var weights = Numbers.Uniform(K * N, seed: 80, -0.5f, 0.5f);
        for (int i = 0; i < weights.Length; i++)
        {
            int column = i % N;
            weights[i] = column switch
            {
                0 => 0f,
                1 => MathF.Abs(weights[i]) + 0.2f,
                _ => weights[i] * (0.05f + column / (float)N),
            };
        }
        var model = b.Output(b.Op("MatMul", [x, b.Weight("W", [K, N], weights)], "mm")).Build(opset: 17);
        int count = (int)inputShape.Aggregate(1L, (p, d) => p * d);
        return (model, weights, new FloatInput("X", Numbers.Uniform(count, seed: 81, -2, 3), inputShape));
    }
}
