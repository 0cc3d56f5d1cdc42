using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Static;

public sealed class RangeEstimatorTests
{
    [Fact]
    public void HistogramGrowsByMergingBinsAndCountsOnlyFiniteValues()
    {
        var histogram = new ActivationHistogram(withHistogram: true);
        histogram.Add([0f, 0f]);
        histogram.Add([0.5f, -1f, float.NaN]);
        histogram.Add([3.5f, float.PositiveInfinity, -0.25f]);

        Assert.Equal(-1f, histogram.Min);
        Assert.Equal(3.5f, histogram.Max);
        Assert.Equal(6, histogram.Count);
        Assert.Equal(4f, histogram.Radius);
        long[] counts = histogram.Counts.ToArray();
        Assert.Equal(6, counts.Sum());
        // Bins are 8/4096 wide over [-4, 4]: zeros in the bin starting at 0, 3.5 in bin (3.5 + 4)·512.
        Assert.Equal(2, counts[ActivationHistogram.Bins / 2]);
        Assert.Equal(1, counts[(int)(7.5 * 512)]);
        Assert.Equal(1, counts[(int)(3 * 512)]);
    }

    [Fact]
    public void PercentileClipsRareOutliersThatMinMaxKeeps()
    {
        var histogram = UniformWithOutliers(out _);

        var minMax = RangeEstimator.Estimate(histogram, CalibrationMethod.MinMax, 0, 256);
        var percentile = RangeEstimator.Estimate(histogram, CalibrationMethod.Percentile, 99.99, 256);

        Assert.Equal(new ActivationRange(-1f, 1000f), minMax);
        Assert.InRange(percentile.Max, 0.99f, 1.01f);
        Assert.InRange(percentile.Min, -1f, -0.99f);
    }

    [Fact]
    public void EntropyKeepsAUniformRangeAndCutsALongTail()
    {
        var uniform = new ActivationHistogram(withHistogram: true);
        uniform.Add(Enumerable.Range(0, 100_000).Select(i => i / 100_000f).ToArray());
        var tail = new ActivationHistogram(withHistogram: true);
        var random = new Random(5);
        // |Laplace(0, 1)|: half the mass below 0.69, a long thin tail up to ~12.
        tail.Add(Enumerable.Range(0, 200_000).Select(_ => (float)-Math.Log(1 - random.NextDouble())).ToArray());

        var kept = RangeEstimator.Estimate(uniform, CalibrationMethod.Entropy, 0, 256);
        var cut = RangeEstimator.Estimate(tail, CalibrationMethod.Entropy, 0, 256);

        Assert.Equal(0f, kept.Min);
        Assert.InRange(kept.Max, 0.95f, 1f);
        Assert.InRange(cut.Max, 3f, tail.Max * 0.8f);
    }

    [Fact]
    public void EntropyOnValuesOfBothSignsIsSymmetricWithinWhatWasSeen()
    {
        var histogram = UniformWithOutliers(out _);

        var range = RangeEstimator.Estimate(histogram, CalibrationMethod.Entropy, 0, 256);

        // The outliers stretch the histogram to [-1024, 1024]: the data sits in the first bins of
        // |x|, and the smallest threshold the method tries is 128 bins (TensorRT's lower bound).
        Assert.Equal(-1f, range.Min);
        Assert.InRange(range.Max, 1f, 1024f * 128 / 2048 + 0.5f);
    }

    [Fact]
    public void NothingSeenOrOnlyZerosGiveAnExactZeroWithScaleOne()
    {
        var zeros = new ActivationHistogram(withHistogram: true);
        zeros.Add([0f, 0f, float.NaN]);

        foreach (var method in Enum.GetValues<CalibrationMethod>())
        {
            var range = RangeEstimator.Estimate(zeros, method, 99.9, 256);
            Assert.Equal(new ActivationRange(0f, 0f), range);
            Assert.Equal(new QuantizationParameters(1f, 0, ElementType.UInt8), QuantizationParameters.FromRange(range, ActivationType.UInt8, symmetric: false));
            Assert.Equal(new QuantizationParameters(1f, -128, ElementType.Int8), QuantizationParameters.FromRange(range, ActivationType.Int8, symmetric: false));
        }
        Assert.Equal(new ActivationRange(0f, 0f), RangeEstimator.Estimate(new ActivationHistogram(false), CalibrationMethod.MinMax, 0, 256));
    }

    [Fact]
    public void ParametersPutZeroOnTheGrid()
    {
        var relu = new ActivationRange(0f, 5.1f);
        Assert.Equal(new QuantizationParameters(0.02f, 0, ElementType.UInt8), QuantizationParameters.FromRange(relu, ActivationType.UInt8, false));
        Assert.Equal(new QuantizationParameters(0.02f, -128, ElementType.Int8), QuantizationParameters.FromRange(relu, ActivationType.Int8, false));

        var signed = QuantizationParameters.FromRange(new ActivationRange(-1f, 3f), ActivationType.UInt8, false);
        Assert.Equal(64, signed.ZeroPoint);
        Assert.Equal(4f / 255, signed.Scale, 6);

        Assert.Equal(new QuantizationParameters(3f / 127, 0, ElementType.Int8), QuantizationParameters.FromRange(new ActivationRange(-1f, 3f), ActivationType.Int8, true));
        Assert.Equal(128, QuantizationParameters.FromRange(new ActivationRange(-1f, 3f), ActivationType.UInt8, true).ZeroPoint);
    }

    /// <summary>100,000 values uniform in [-1, 1] plus five at 1000.</summary>
    private static ActivationHistogram UniformWithOutliers(out float[] values)
    {
        values = [.. Enumerable.Range(0, 100_000).Select(i => -1f + 2f * i / 99_999f), 1000f, 1000f, 1000f, 1000f, 1000f];
        var histogram = new ActivationHistogram(withHistogram: true);
        // In batches, as calibration sees them: the first sets the radius, the outliers make it grow.
        histogram.Add(values.AsSpan(0, 50_000));
        histogram.Add(values.AsSpan(50_000));
        return histogram;
    }
}
