namespace ModelOpt.TestUtilities;

/// <summary>
/// Normally distributed numbers from a fixed seed, bit-identical on every machine and .NET
/// version. Each sample is the Irwin–Hall sum of twelve uniforms minus 6 (mean 0, variance 1),
/// computed in integers from SplitMix64 (Steele, Lea, Flood 2014) and converted exactly: no
/// logarithm or sine, whose last bit differs between C runtimes, and no dependence on
/// <see cref="Random"/>'s implementation. The tails end at ±6σ, which is all the test models need.
/// </summary>
public sealed class GaussianRandom
{
    private const double TwoToThe32 = 4294967296.0;
    private ulong _state;

    /// <summary>Creates the generator.</summary>
    public GaussianRandom(ulong seed)
    {
        _state = seed;
    }

    /// <summary>The next sample of (approximately) N(0, 1).</summary>
    public double Next()
    {
        // Twelve 32-bit uniforms, two per 64-bit draw; their sum is below 2^36, so it and the
        // division by 2^32 are exact in double precision.
        long sum = 0;
        for (int i = 0; i < 6; i++)
        {
            ulong bits = NextBits();
            sum += (long)(bits >> 32) + (long)(bits & 0xFFFF_FFFFUL);
        }
        return sum / TwoToThe32 - 6.0;
    }

    /// <summary><paramref name="count"/> samples of N(<paramref name="mean"/>, <paramref name="standardDeviation"/>²).</summary>
    public float[] Next(int count, float mean = 0f, float standardDeviation = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(mean + standardDeviation * Next());
        return values;
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>) (multiply-shift, Lemire 2019).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)(((NextBits() >> 32) * (ulong)maxExclusive) >> 32);
    }

    private ulong NextBits()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
