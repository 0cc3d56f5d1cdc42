namespace ModelOpt.Core.Float16;

/// <summary>What rounding a FLOAT tensor to float16 did to values that float16 cannot hold.</summary>
/// <param name="Clamped">Finite values beyond ±65504 (float16's largest finite value), set to ±65504 instead of becoming infinite.</param>
/// <param name="FlushedToZero">Non-zero values below half the smallest float16 subnormal (2⁻²⁵ ≈ 3·10⁻⁸), which round to a zero of the same sign.</param>
public readonly record struct Float16Rounding(long Clamped, long FlushedToZero)
{
    /// <summary>True when every value kept its meaning (only the usual rounding of the mantissa).</summary>
    public bool IsExact => Clamped == 0 && FlushedToZero == 0;

    /// <summary>The sum of two roundings.</summary>
    public static Float16Rounding operator +(Float16Rounding a, Float16Rounding b)
        => new(a.Clamped + b.Clamped, a.FlushedToZero + b.FlushedToZero);
}
