namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// Float weights to blockwise 4-bit codes, round-to-nearest. Deterministic by construction: one
/// sequential pass per block, round-half-to-even (as ONNX's QuantizeLinear), no dependence on
/// thread timing or dictionary order.
/// </summary>
internal static class Int4BlockQuantizer
{
    /// <summary>The largest 4-bit code.</summary>
    public const int MaxCode = 15;

    /// <summary>The zero point ONNX Runtime implies when a model stores none: 2^(bits − 1).</summary>
    public const int SymmetricZeroPoint = 8;

    /// <summary>
    /// Quantizes the (finite) <paramref name="values"/> of a weight, read through
    /// <paramref name="layout"/>, into codes, scales and (asymmetric) zero points.
    /// </summary>
    /// <remarks>
    /// Symmetric blocks use all sixteen codes: the element of largest magnitude m gets code 0
    /// (−8 around the implied zero point 8) through the scale m / −8, which carries m's sign, so
    /// the largest weight of every block is exact and the step is |m| / 8 rather than |m| / 7.
    /// Elements of the other sign reach at most code 15 (+7), so one of magnitude above 7.5 steps
    /// is off by up to one step. This is the scale ONNX Runtime's own blockwise quantizer and
    /// llama.cpp's Q4_0 use. Asymmetric blocks map [min(0, lo), max(0, hi)] onto 0…15 with a
    /// rounded zero point; 0 is kept in the range so the zero point fits in four bits.
    /// A block of zeros (or of values below 8 · 1e-12) gets the floor scale
    /// <see cref="WeightQuantizer.MinimumScale"/>: its codes dequantize to (almost) zero and no
    /// runtime divides by zero.
    /// </remarks>
    public static Int4Blocks Quantize(ReadOnlySpan<float> values, Int4Layout layout, bool symmetric)
    {
        int blocks = layout.Blocks;
        int rowBytes = layout.RowBytes;
        int zeroPointRowBytes = layout.ZeroPointRowBytes;
        var data = new byte[(long)layout.Rows * rowBytes];
        var scales = new float[(long)layout.Rows * blocks];
        var zeroPoints = symmetric ? null : new byte[(long)layout.Rows * zeroPointRowBytes];
        Span<float> block = stackalloc float[layout.BlockSize];

        for (int row = 0; row < layout.Rows; row++)
        {
            var rowCodes = data.AsSpan(checked(row * rowBytes), rowBytes);
            for (int b = 0; b < blocks; b++)
            {
                int start = b * layout.BlockSize;
                int count = Math.Min(layout.BlockSize, layout.Length - start);
                var current = block[..count];
                for (int j = 0; j < count; j++)
                {
                    current[j] = values[checked((int)(row * layout.RowStride + (start + j) * layout.ElementStride))];
                }

                var (scale, zeroPoint) = symmetric ? SymmetricParameters(current) : AsymmetricParameters(current);
                scales[checked(row * blocks + b)] = scale;
                if (zeroPoints is not null) SetCode(zeroPoints.AsSpan(checked(row * zeroPointRowBytes), zeroPointRowBytes), b, zeroPoint);

                for (int j = 0; j < count; j++) SetCode(rowCodes, start + j, Code(current[j], scale, zeroPoint));
                // Padding after the last element dequantizes to exactly 0; runtimes read K and skip it anyway.
                for (int j = start + count; j < rowBytes * 2 && j < start + layout.BlockSize; j++) SetCode(rowCodes, j, zeroPoint);
            }
        }
        return new Int4Blocks(data, scales, zeroPoints);
    }

    private static (float Scale, int ZeroPoint) SymmetricParameters(ReadOnlySpan<float> block)
    {
        float extreme = 0;
        foreach (float v in block)
        {
            if (MathF.Abs(v) > MathF.Abs(extreme)) extreme = v;
        }
        float scale = extreme / -SymmetricZeroPoint;
        return (MathF.Abs(scale) >= WeightQuantizer.MinimumScale ? scale : WeightQuantizer.MinimumScale, SymmetricZeroPoint);
    }

    private static (float Scale, int ZeroPoint) AsymmetricParameters(ReadOnlySpan<float> block)
    {
        float low = 0, high = 0;
        foreach (float v in block)
        {
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }
        // Divided before subtracting so that weights near ±float.MaxValue cannot overflow to infinity.
        float scale = Math.Max(high / MaxCode - low / MaxCode, WeightQuantizer.MinimumScale);
        int zeroPoint = (int)Math.Clamp(MathF.Round(-low / scale, MidpointRounding.ToEven), 0, MaxCode);
        return (scale, zeroPoint);
    }

    private static int Code(float value, float scale, int zeroPoint)
        => (int)Math.Clamp(MathF.Round(value / scale, MidpointRounding.ToEven) + zeroPoint, 0, MaxCode);

    /// <summary>Reads code <paramref name="index"/> of packed codes: even indices in the low nibble.</summary>
    public static int GetCode(ReadOnlySpan<byte> packed, int index) => (packed[index >> 1] >> ((index & 1) * 4)) & 0x0F;

    /// <summary>Writes code <paramref name="index"/> of a packed row: even indices in the low nibble.</summary>
    public static void SetCode(Span<byte> packed, int index, int code)
    {
        int shift = (index & 1) * 4;
        packed[index >> 1] = (byte)((packed[index >> 1] & ~(0x0F << shift)) | (code << shift));
    }
}
