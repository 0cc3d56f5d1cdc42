using ModelOpt.Core.Quantization;

namespace ModelOpt.Core.Tests.Quantization;

public sealed class WeightQuantizerTests
{
    [Fact]
    public void SymmetricPerChannelUsesEachChannelsLargestMagnitude()
    {
        // [2, 3] per column: columns have largest magnitudes 2, 0.5, 127.
        float[] w = [2f, -0.5f, 63.5f, -1f, 0.25f, -127f];

        var q = WeightQuantizer.Quantize(w, channels: 3, innerStride: 1, symmetric: true);

        Assert.Equal([2f / 127, 0.5f / 127, 1f], q.Scales);
        Assert.Equal(new sbyte[] { 127, -127, 64, -64, 64, -127 }, q.Values);
        Assert.All(q.ZeroPoints, z => Assert.Equal(0, z));
    }

    [Fact]
    public void RoundingIsHalfToEvenAsInQuantizeLinear()
    {
        // Scale 1: 0.5 → 0, 1.5 → 2, 2.5 → 2, -0.5 → 0 (QuantizeLinear rounds half to even).
        float[] w = [127f, 0.5f, 1.5f, 2.5f, -0.5f];

        var q = WeightQuantizer.Quantize(w, channels: 1, innerStride: w.Length, symmetric: true);

        Assert.Equal(new sbyte[] { 127, 0, 2, 2, 0 }, q.Values);
    }

    [Fact]
    public void AsymmetricUsesTheFullRangeWithAZeroPoint()
    {
        float[] w = [0f, 1f, 2f, 3f, 4f, 5.1f];

        var q = WeightQuantizer.Quantize(w, channels: 1, innerStride: w.Length, symmetric: false);

        Assert.Equal(5.1f / 255, q.Scales[0]);
        Assert.Equal(-128, q.ZeroPoints[0]);
        Assert.Equal(-128, q.Values[0]);
        Assert.Equal(127, q.Values[^1]);
        for (int i = 0; i < w.Length; i++) Assert.True(Math.Abs(q.Scales[0] * (q.Values[i] - q.ZeroPoints[0]) - w[i]) <= q.Scales[0] / 2 + 1e-6);
    }

    [Fact]
    public void ConvLayoutGroupsContiguousBlocksIntoChannels()
    {
        // [2 out channels, 2 elements each]: channel 0 = {1, -1}, channel 1 = {10, 5}.
        float[] w = [1f, -1f, 10f, 5f];

        var q = WeightQuantizer.Quantize(w, channels: 2, innerStride: 2, symmetric: true);

        Assert.Equal([1f / 127, 10f / 127], q.Scales);
        Assert.Equal(new sbyte[] { 127, -127, 127, 64 }, q.Values);
    }

    [Fact]
    public void ZeroChannelsGetTheMinimumScaleNeverZero()
    {
        var q = WeightQuantizer.Quantize(new float[6], channels: 3, innerStride: 1, symmetric: false);

        Assert.All(q.Scales, s => Assert.Equal(WeightQuantizer.MinimumScale, s));
        Assert.All(q.Values, v => Assert.Equal(q.ZeroPoints[0], v));
    }

    [Fact]
    public void NonFiniteValuesAreFound()
    {
        Assert.Equal(-1, WeightQuantizer.IndexOfNonFinite([1f, 2f]));
        Assert.Equal(1, WeightQuantizer.IndexOfNonFinite([1f, float.PositiveInfinity, float.NaN]));
    }
}
