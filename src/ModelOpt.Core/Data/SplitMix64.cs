namespace ModelOpt.Core.Data;

/// <summary>
/// Steele, Lea and Flood's SplitMix64 generator. Generated validation inputs use it instead of
/// <see cref="System.Random"/> because the sequence of a seeded <see cref="System.Random"/> is
/// not guaranteed to stay the same across .NET versions, and the same seed must give the same
/// inputs (and so the same gate verdict) on every machine and tool version.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    /// <summary>Starts the sequence at <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// Uniform in [-1, 1): the top 24 bits make an integer k in [0, 2^24), and the value is
    /// k / 2^23 - 1. Every step is exact in float arithmetic, so no rounding mode or FMA can
    /// change the result.
    /// </summary>
    public float NextSignedUnitFloat() => (Next() >> 40) * (1f / (1 << 23)) - 1f;
}
