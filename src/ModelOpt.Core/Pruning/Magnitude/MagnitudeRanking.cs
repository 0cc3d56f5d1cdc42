namespace ModelOpt.Core.Pruning.Magnitude;

/// <summary>
/// Zeroes the k smallest-magnitude elements of a group of tensors without sorting them. The
/// magnitude of a float is its bit pattern with the sign cleared, read as an unsigned integer:
/// for non-negative floats that order is the numeric order (IEEE 754 §3.4), infinity above every
/// number and NaN above infinity. Two 16-bit histogram passes find the k-th smallest key in
/// linear time, which matters for the millions of weights of a global ranking.
/// </summary>
internal static class MagnitudeRanking
{
    private const uint MagnitudeMask = 0x7FFF_FFFF;

    /// <summary>
    /// Zeroes <c>round(sparsity · n)</c> of the <c>n</c> elements of <paramref name="tensors"/>
    /// together: every element below the threshold magnitude, then elements equal to it in
    /// tensor order and index order. Returns whether any element changed.
    /// </summary>
    public static bool ZeroSmallest(IReadOnlyList<float[]> tensors, double sparsity)
    {
        long total = tensors.Sum(t => (long)t.Length);
        long k = (long)Math.Round(sparsity * total, MidpointRounding.AwayFromZero);
        if (k == 0) return false;

        var (threshold, below) = KthSmallestKey(tensors, k);
        long equalToZero = k - below;
        bool changed = false;
        foreach (var tensor in tensors)
        {
            for (int i = 0; i < tensor.Length; i++)
            {
                uint key = Key(tensor[i]);
                if (key > threshold || key == threshold && equalToZero-- <= 0) continue;
                // -0 becomes +0 too: one zero bit pattern compresses best.
                changed |= BitConverter.SingleToUInt32Bits(tensor[i]) != 0;
                tensor[i] = 0f;
            }
        }
        return changed;
    }

    /// <summary>The k-th smallest key (1-based) and how many keys are strictly smaller.</summary>
    private static (uint Key, long Below) KthSmallestKey(IReadOnlyList<float[]> tensors, long k)
    {
        var high = new long[1 << 16];
        foreach (var tensor in tensors)
        {
            foreach (float v in tensor) high[Key(v) >> 16]++;
        }
        (uint bucket, long before) = Select(high, k);

        var low = new long[1 << 16];
        foreach (var tensor in tensors)
        {
            foreach (float v in tensor)
            {
                uint key = Key(v);
                if (key >> 16 == bucket) low[key & 0xFFFF]++;
            }
        }
        (uint offset, long beforeInBucket) = Select(low, k - before);
        return ((bucket << 16) | offset, before + beforeInBucket);
    }

    /// <summary>The bucket holding the k-th element and the count in the buckets below it.</summary>
    private static (uint Bucket, long Before) Select(long[] histogram, long k)
    {
        long before = 0;
        for (uint b = 0; b < histogram.Length; b++)
        {
            if (before + histogram[b] >= k) return (b, before);
            before += histogram[b];
        }
        throw new InvalidOperationException("k exceeds the number of elements.");
    }

    private static uint Key(float value) => BitConverter.SingleToUInt32Bits(value) & MagnitudeMask;
}
