namespace ModelOpt.Core.Quantization.Static.Calibration;

/// <summary>
/// Streamed statistics of one activation over all calibration samples: the exact minimum and
/// maximum, and optionally a histogram of fixed size, so memory stays the same however many
/// samples are seen.
/// </summary>
/// <remarks>
/// The histogram has <see cref="Bins"/> equal bins over [-R, R], symmetric around zero so that it
/// also gives the histogram of |x| (bin k of |x| = bins Bins/2 + k and Bins/2 − 1 − k), which
/// the entropy method works on. R starts at the largest magnitude of the first non-zero batch;
/// when a later batch goes beyond, R doubles (as often as needed) by adding neighbouring bins in
/// pairs, which is exact because Bins is a multiple of 4 (old bin i lands in new bin
/// (Bins/2 + i)/2). So the range of the data always covers at least half of the bins: the
/// resolution over [0, max|x|] is at least Bins/4 bins. NaN and infinities are not counted: no
/// finite range represents them, and one stray value must not decide the scale of a tensor.
/// </remarks>
public sealed class ActivationHistogram
{
    /// <summary>Bins over [-R, R]; 2048 over [0, R] for |x|, the size TensorRT's entropy calibration uses.</summary>
    public const int Bins = 4096;

    private readonly long[]? _counts;

    /// <summary>An empty statistic; <paramref name="withHistogram"/> also keeps the bins (Percentile and Entropy need them).</summary>
    public ActivationHistogram(bool withHistogram)
    {
        _counts = withHistogram ? new long[Bins] : null;
    }

    /// <summary>The smallest finite value seen (+∞ before any).</summary>
    public float Min { get; private set; } = float.PositiveInfinity;

    /// <summary>The largest finite value seen (−∞ before any).</summary>
    public float Max { get; private set; } = float.NegativeInfinity;

    /// <summary>Finite values seen.</summary>
    public long Count { get; private set; }

    /// <summary>The histogram's half-width R (0 until a non-zero value arrives).</summary>
    public float Radius { get; private set; }

    /// <summary>The bin counts over [-R, R]; null when only min and max are kept.</summary>
    public ReadOnlySpan<long> Counts => _counts;

    /// <summary>
    /// Which <see cref="Add"/> call (counting from 0: the sample, since the calibrator adds one
    /// batch per sample) brought the largest magnitude; -1 before any finite value. Reports name
    /// the sample with it.
    /// </summary>
    public int PeakBatch { get; private set; } = -1;

    private int _batches;

    /// <summary>Adds one batch of values (one output of one sample).</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        int batch = _batches++;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        long finite = 0;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
            finite++;
        }
        if (finite == 0) return;
        if (PeakBatch < 0 || Math.Max(Math.Abs(min), Math.Abs(max)) > Math.Max(Math.Abs(Min), Math.Abs(Max))) PeakBatch = batch;
        Min = Math.Min(Min, min);
        Max = Math.Max(Max, max);
        Count += finite;
        if (_counts is null) return;

        float magnitude = Math.Max(Math.Abs(min), Math.Abs(max));
        if (Radius == 0f)
        {
            // All zeros so far: the zero bin is the same whatever R becomes, so count them there.
            if (magnitude == 0f)
            {
                _counts[Bins / 2] += finite;
                return;
            }
            Radius = magnitude;
        }
        while (magnitude > Radius) Grow();

        float perUnit = Bins / (2f * Radius);
        float radius = Radius;
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) continue;
            int bin = (int)((v + radius) * perUnit);
            _counts[Math.Clamp(bin, 0, Bins - 1)]++;
        }
    }

    /// <summary>
    /// The mean of every channel (axis 1 of an <c>[N, C, …]</c> activation) over all samples
    /// and positions, or null before <see cref="AddChannels"/>. Bias correction reads it: the
    /// expected input of a Conv or Gemm, per input channel.
    /// </summary>
    public double[]? ChannelMeans
    {
        get
        {
            if (_channelSums is null || _channelCount == 0) return null;
            return [.. _channelSums.Select(s => s / _channelCount)];
        }
    }

    private double[]? _channelSums;
    private float[]? _channelMaxAbs;
    private long _channelCount;

    /// <summary>
    /// The largest finite |x| of every channel (axis 1) over all samples and positions, or null
    /// before <see cref="AddChannels"/>. Affine equalization reads it: how much of a per-tensor
    /// grid each channel of a convolution activation spans.
    /// </summary>
    public float[]? ChannelMaxAbs => _channelSums is null || _channelMaxAbs is null ? null : [.. _channelMaxAbs];

    /// <summary>
    /// Adds one batch laid out as <c>[outer, channels, inner]</c> to the per-channel sums
    /// (non-finite values count as 0). A batch whose channel count differs from the first one's
    /// drops the means: a value whose shape changes has no per-channel expectation.
    /// </summary>
    public void AddChannels(ReadOnlySpan<float> values, int channels, long inner)
    {
        if (channels <= 0 || inner <= 0 || values.Length % (channels * inner) != 0) return;
        if (_channelSums is null && _channelCount == 0)
        {
            _channelSums = new double[channels];
            _channelMaxAbs = new float[channels];
        }
        if (_channelSums is null) return;
        if (_channelSums.Length != channels)
        {
            _channelSums = null;
            return;
        }
        long outer = values.Length / (channels * inner);
        for (long o = 0; o < outer; o++)
        {
            for (int c = 0; c < channels; c++)
            {
                double sum = 0;
                var row = values.Slice((int)(((o * channels) + c) * inner), (int)inner);
                float largest = _channelMaxAbs![c];
                foreach (float v in row)
                {
                    if (!float.IsFinite(v)) continue;
                    sum += v;
                    largest = Math.Max(largest, Math.Abs(v));
                }
                _channelSums[c] += sum;
                _channelMaxAbs[c] = largest;
            }
        }
        _channelCount += outer * inner;
    }

    /// <summary>
    /// The largest finite |x| of every channel of the last axis over all samples and positions,
    /// or null before <see cref="AddLastAxis"/> (or after a batch whose last axis differed).
    /// SmoothQuant reads it: the outlier channels of a transformer's hidden states lie on the last
    /// axis (Xiao et al. 2023, §3), which is the input channel axis of the MatMuls that read them.
    /// </summary>
    public float[]? LastAxisMaxAbs => _lastAxisMaxAbs is null ? null : [.. _lastAxisMaxAbs];

    private float[]? _lastAxisMaxAbs;
    private bool _lastAxisDropped;

    /// <summary>Adds one batch whose last axis has <paramref name="channels"/> entries to the per-channel largest magnitudes.</summary>
    public void AddLastAxis(ReadOnlySpan<float> values, int channels)
    {
        if (_lastAxisDropped || channels <= 0 || values.Length % channels != 0) return;
        _lastAxisMaxAbs ??= new float[channels];
        if (_lastAxisMaxAbs.Length != channels)
        {
            _lastAxisMaxAbs = null;
            _lastAxisDropped = true;
            return;
        }
        var maxima = _lastAxisMaxAbs.AsSpan();
        for (int start = 0; start < values.Length; start += channels)
        {
            var row = values.Slice(start, channels);
            for (int c = 0; c < channels; c++)
            {
                float magnitude = Math.Abs(row[c]);
                if (float.IsFinite(magnitude) && magnitude > maxima[c]) maxima[c] = magnitude;
            }
        }
    }

    /// <summary>Doubles R: old bin i (of width w) lies in new bin (Bins/2 + i)/2 (of width 2w).</summary>
    private void Grow()
    {
        var counts = _counts!;
        var merged = new long[Bins];
        for (int i = 0; i < Bins; i++) merged[(Bins / 2 + i) >> 1] += counts[i];
        merged.CopyTo(counts, 0);
        Radius *= 2f;
    }
}
