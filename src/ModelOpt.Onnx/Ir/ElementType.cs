namespace ModelOpt.Onnx.Ir;

/// <summary>Tensor element types; the values are ONNX's <c>TensorProto.DataType</c> numbers.</summary>
public enum ElementType
{
    /// <summary>Not set.</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE float.</summary>
    Float = 1,
    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,
    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,
    /// <summary>UTF-8 string (no raw form).</summary>
    String = 8,
    /// <summary>Boolean, one byte per element.</summary>
    Bool = 9,
    /// <summary>IEEE half precision.</summary>
    Float16 = 10,
    /// <summary>64-bit IEEE float.</summary>
    Double = 11,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
    /// <summary>Two floats: real, imaginary.</summary>
    Complex64 = 14,
    /// <summary>Two doubles: real, imaginary.</summary>
    Complex128 = 15,
    /// <summary>Brain float: float32 truncated to 16 bits.</summary>
    BFloat16 = 16,
    /// <summary>8-bit float, 4 exponent bits, 3 mantissa bits, no infinities.</summary>
    Float8E4M3FN = 17,
    /// <summary>As <see cref="Float8E4M3FN"/>, no negative zero.</summary>
    Float8E4M3FNUZ = 18,
    /// <summary>8-bit float, 5 exponent bits, 2 mantissa bits.</summary>
    Float8E5M2 = 19,
    /// <summary>As <see cref="Float8E5M2"/>, no infinities, no negative zero.</summary>
    Float8E5M2FNUZ = 20,
    /// <summary>Unsigned 4-bit integer, two per byte.</summary>
    UInt4 = 21,
    /// <summary>Signed 4-bit integer, two per byte.</summary>
    Int4 = 22,
    /// <summary>4-bit float (E2M1), two per byte.</summary>
    Float4E2M1 = 23,
    /// <summary>8-bit exponent-only scale of the microscaling formats.</summary>
    Float8E8M0 = 24,
    /// <summary>Unsigned 2-bit integer, four per byte.</summary>
    UInt2 = 25,
    /// <summary>Signed 2-bit integer, four per byte.</summary>
    Int2 = 26,
}

/// <summary>Sizes and names of <see cref="ElementType"/> values.</summary>
public static class ElementTypes
{
    /// <summary>Bits one element occupies in raw (little-endian, packed) form; 0 for string and unknown types.</summary>
    public static int BitWidth(ElementType type) => type switch
    {
        ElementType.Float or ElementType.Int32 or ElementType.UInt32 => 32,
        ElementType.UInt8 or ElementType.Int8 or ElementType.Bool => 8,
        ElementType.Float8E4M3FN or ElementType.Float8E4M3FNUZ or ElementType.Float8E5M2
            or ElementType.Float8E5M2FNUZ or ElementType.Float8E8M0 => 8,
        ElementType.UInt16 or ElementType.Int16 or ElementType.Float16 or ElementType.BFloat16 => 16,
        ElementType.Int64 or ElementType.UInt64 or ElementType.Double or ElementType.Complex64 => 64,
        ElementType.Complex128 => 128,
        ElementType.UInt4 or ElementType.Int4 or ElementType.Float4E2M1 => 4,
        ElementType.UInt2 or ElementType.Int2 => 2,
        _ => 0,
    };

    /// <summary>True for the types with a fixed-width raw form (all but string and unknown numbers).</summary>
    public static bool HasRawForm(ElementType type) => BitWidth(type) > 0;

    /// <summary>Bytes that <paramref name="elementCount"/> elements occupy in raw form (sub-byte types packed, rounded up).</summary>
    public static long ByteCount(ElementType type, long elementCount)
    {
        int bits = BitWidth(type);
        return bits >= 8 ? checked(elementCount * (bits / 8)) : checked((elementCount * bits + 7) / 8);
    }

    /// <summary>The name ONNX uses for the type (<c>FLOAT</c>, <c>INT8</c>, …), or the number for unknown types.</summary>
    public static string OnnxName(ElementType type)
        => Enum.IsDefined(type) ? type.ToString().ToUpperInvariant() : ((int)type).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
