using System.Runtime.InteropServices;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// FLOAT tensors to FLOAT16: the one conversion used for initializers, Constant nodes and
/// ConstantOfShape values, so a weight rounds the same wherever it is stored.
/// </summary>
internal static class Float16Tensors
{
    /// <summary>float16's largest finite value, (2 − 2⁻¹⁰)·2¹⁵.</summary>
    public const float MaxFinite = 65504f;

    /// <summary>
    /// The values of <paramref name="source"/> (FLOAT) rounded to float16, to nearest with ties to
    /// even (IEEE 754, as <see cref="Half"/> converts). Finite values beyond ±65504 are clamped to
    /// ±65504: a weight that turned into infinity would make every product it enters infinite or
    /// NaN, while the clamped weight keeps the sign and the order of magnitude that float16
    /// allows. (The pass converts such tensors only where FLOAT16 is forced, the model's interface;
    /// elsewhere their readers stay FLOAT.) Values below the subnormal range become signed zeros,
    /// as IEEE rounding gives; both are counted. NaN and infinities stay what they are (models use
    /// −∞ in attention masks).
    /// </summary>
    public static Tensor Convert(Tensor source, string name, out Float16Rounding rounding)
    {
        var values = Read(source);
        var result = new byte[checked(values.Length * sizeof(ushort))];
        var halves = MemoryMarshal.Cast<byte, Half>(result.AsSpan());
        long clamped = 0, flushed = 0;
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            if (float.IsFinite(value) && MathF.Abs(value) > MaxFinite)
            {
                value = MathF.CopySign(MaxFinite, value);
                clamped++;
            }
            var half = (Half)value;
            if (value != 0 && half == Half.Zero) flushed++;
            halves[i] = half;
        }
        rounding = new Float16Rounding(clamped, flushed);
        return Tensor.FromRawData(name, ElementType.Float16, source.Dims, result);
    }

    /// <summary>How many finite values of <paramref name="source"/> (FLOAT) lie beyond ±65504, where float16 has no finite number.</summary>
    public static long CountBeyondRange(Tensor source)
    {
        long count = 0;
        foreach (float value in Read(source))
        {
            if (float.IsFinite(value) && MathF.Abs(value) > MaxFinite) count++;
        }
        return count;
    }

    /// <summary>A FLOAT16 tensor of one zero, ConstantOfShape's default value in float16.</summary>
    public static Tensor Zero(string name) => Tensor.FromRawData(name, ElementType.Float16, [1], new byte[sizeof(ushort)]);

    private static ReadOnlySpan<float> Read(Tensor source)
    {
        if (source.ElementType != ElementType.Float) throw new InvalidOperationException($"{source} is not FLOAT.");
        return MemoryMarshal.Cast<byte, float>(source.GetRawData().Span);
    }
}
