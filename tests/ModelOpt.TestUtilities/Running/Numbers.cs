using Xunit;

namespace ModelOpt.TestUtilities;

/// <summary>Deterministic test data and the comparisons the tests use.</summary>
public static class Numbers
{
    /// <summary>Uniform values in [low, high) from a fixed seed.</summary>
    public static float[] Uniform(int count, int seed, float low = -1f, float high = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = low + (high - low) * random.NextSingle();
        return values;
    }

    /// <summary>Cosine similarity (asserts equal lengths).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 && nb == 0 ? 1 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>Largest absolute element difference (asserts equal lengths).</summary>
    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    /// <summary>Largest absolute element.</summary>
    public static double MaxAbs(ReadOnlySpan<float> a)
    {
        double max = 0;
        foreach (float v in a) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    /// <summary>Asserts equal lengths and every element within <paramref name="tolerance"/>.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = MaxAbsDifference(expected, actual);
        Assert.True(max <= tolerance, $"largest difference {max} exceeds {tolerance}");
    }
}
