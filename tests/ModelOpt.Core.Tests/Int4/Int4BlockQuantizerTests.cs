using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Int4;

namespace ModelOpt.Core.Tests.Int4;

/// <summary>The blockwise 4-bit arithmetic, decoded with the operator documentation's rules (<see cref="Int4Reference"/>).</summary>
public sealed class Int4BlockQuantizerTests
{
    [Theory]
    [InlineData(true, 32)]
    [InlineData(false, 32)]
    [InlineData(true, 64)]
    [InlineData(false, 128)]
    public void EveryWeightIsWithinTheRoundingBoundOfItsBlock(bool symmetric, int block)
    {
        const int rows = 5, width = 300;
        var values = Numbers.Uniform(rows * width, seed: 70, -1.5f, 0.7f);
        for (int i = 0; i < values.Length; i++) values[i] *= 0.01f + (i / width);
        var layout = Int4Layout.ForGatherBlockQuantized(rows, width, block);

        var blocks = Int4BlockQuantizer.Quantize(values, layout, symmetric);

        Assert.Equal(symmetric, blocks.ZeroPoints is null);
        var decoded = Int4Reference.DecodeRows(blocks.Data, layout.RowBytes, blocks.Scales, blocks.ZeroPoints, rows, width, block);
        for (int i = 0; i < values.Length; i++)
        {
            float scale = blocks.Scales[i / width * layout.Blocks + i % width / block];
            Assert.True(MathF.Abs(decoded[i] - values[i]) <= Int4Reference.StepBound(scale, symmetric),
                $"element {i}: {values[i]} decoded as {decoded[i]} with scale {scale}");
        }
    }

    [Fact]
    public void SymmetricBlocksRepresentTheirLargestWeightExactlyWhateverItsSign()
    {
        float[] values = [0.1f, -0.3f, 0.8f, 0.2f, -0.05f, 0f, 0.4f, -0.6f, .. new float[24], -0.9f, 0.5f, 0.3f, .. new float[29]];
        var layout = Int4Layout.ForGatherBlockQuantized(1, 64, 32);

        var blocks = Int4BlockQuantizer.Quantize(values, layout, symmetric: true);

        var decoded = Int4Reference.DecodeRows(blocks.Data, layout.RowBytes, blocks.Scales, null, 1, 64, 32);
        Assert.Equal(0.8f, decoded[2]);
        Assert.Equal(-0.9f, decoded[32]);
        Assert.Equal(0.8f / -8, blocks.Scales[0]);
        Assert.Equal(-0.9f / -8, blocks.Scales[1]);
        Assert.All(decoded.Skip(8).Take(24), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AllZeroBlocksGetAFiniteScaleAndDecodeToZero(bool symmetric)
    {
        var layout = Int4Layout.ForGatherBlockQuantized(3, 64, 32);

        var blocks = Int4BlockQuantizer.Quantize(new float[3 * 64], layout, symmetric);

        Assert.All(blocks.Scales, s => Assert.Equal(WeightQuantizer.MinimumScale, s));
        Assert.All(Int4Reference.DecodeRows(blocks.Data, layout.RowBytes, blocks.Scales, blocks.ZeroPoints, 3, 64, 32), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void LopsidedBlocksUseTheirRangeWhenAsymmetric()
    {
        var values = Numbers.Uniform(32, seed: 71, 0.5f, 1.0f);
        var layout = Int4Layout.ForGatherBlockQuantized(1, 32, 32);

        var asymmetric = Int4BlockQuantizer.Quantize(values, layout, symmetric: false);

        // 0 stays in the range so the zero point fits in four bits: codes span [0, max].
        Assert.Equal(values.Max() / 15, asymmetric.Scales[0], 6);
        Assert.Equal(0, asymmetric.ZeroPoints![0] & 0x0F);
    }

    [Fact]
    public void MatMulRowsArePaddedToWholeBlocksWithZeros()
    {
        const int k = 40, n = 3;
        var values = Numbers.Uniform(k * n, seed: 72);
        var layout = Int4Layout.ForMatMulNBits(k, n, 32);

        foreach (bool symmetric in new[] { true, false })
        {
            var blocks = Int4BlockQuantizer.Quantize(values, layout, symmetric);

            Assert.Equal(n * 2 * 16, blocks.Data.Length);
            var padded = Int4Reference.DecodeRows(blocks.Data, layout.RowBytes, blocks.Scales, blocks.ZeroPoints, n, 64, 32);
            for (int column = 0; column < n; column++)
            {
                Assert.All(padded.Skip(column * 64 + k).Take(64 - k), v => Assert.Equal(0f, v));
                // Row n holds B's column n: element (n, i) is B[i, n].
                Assert.Equal(values[5 * n + column], padded[column * 64 + 5], 0.2f);
            }
        }
    }

    [Fact]
    public void HugeWeightsDoNotOverflowTheScale()
    {
        float[] values = [float.MaxValue, -float.MaxValue, 1f, .. new float[29]];
        var layout = Int4Layout.ForGatherBlockQuantized(1, 32, 32);

        foreach (bool symmetric in new[] { true, false })
        {
            var blocks = Int4BlockQuantizer.Quantize(values, layout, symmetric);
            Assert.True(float.IsFinite(blocks.Scales[0]));
        }
    }
}
