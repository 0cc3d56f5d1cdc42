using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Serialization;

/// <summary>
/// Converts between the typed data fields of <c>TensorProto</c> and the raw form, and knows
/// how many entries each typed field must hold (onnx.proto, comments on the <c>*_data</c> fields).
/// </summary>
internal static class TensorDataCodec
{
    /// <summary>Which typed field holds <paramref name="type"/> and how many entries <paramref name="elementCount"/> elements need.</summary>
    public static (TypedField Field, long Entries) ExpectedTypedField(ElementType type, long elementCount) => type switch
    {
        ElementType.Float => (TypedField.Float, elementCount),
        ElementType.Complex64 => (TypedField.Float, checked(elementCount * 2)),
        ElementType.Double => (TypedField.Double, elementCount),
        ElementType.Complex128 => (TypedField.Double, checked(elementCount * 2)),
        ElementType.Int64 => (TypedField.Int64, elementCount),
        ElementType.UInt32 or ElementType.UInt64 => (TypedField.UInt64, elementCount),
        ElementType.String => (TypedField.String, elementCount),
        // Sub-byte types: one int32 entry per packed byte.
        ElementType.UInt4 or ElementType.Int4 or ElementType.Float4E2M1 or ElementType.UInt2 or ElementType.Int2
            => (TypedField.Int32, ElementTypes.ByteCount(type, elementCount)),
        _ when ElementTypes.HasRawForm(type) => (TypedField.Int32, elementCount),
        _ => (TypedField.None, 0),
    };

    /// <summary>Entries present in <paramref name="field"/>.</summary>
    public static long CountEntries(TensorProto proto, TypedField field) => field switch
    {
        TypedField.Float => proto.FloatData.Count,
        TypedField.Double => proto.DoubleData.Count,
        TypedField.Int64 => proto.Int64Data.Count,
        TypedField.UInt64 => proto.Uint64Data.Count,
        TypedField.Int32 => proto.Int32Data.Count,
        TypedField.String => proto.StringData.Count,
        _ => 0,
    };

    /// <summary>The raw form of an inline tensor (raw_data as is; typed fields converted).</summary>
    public static ReadOnlyMemory<byte> ToRaw(TensorProto proto, ElementType type, long elementCount)
    {
        if (proto.HasRawData) return proto.RawData.Memory;
        if (!ElementTypes.HasRawForm(type)) throw new InvalidOperationException($"Tensor '{proto.Name}' of type {ElementTypes.OnnxName(type)} has no raw form.");
        var bytes = new byte[ElementTypes.ByteCount(type, elementCount)];
        var (field, _) = ExpectedTypedField(type, elementCount);
        switch (field)
        {
            case TypedField.Float:
                MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(proto.FloatData.ToList())).CopyTo(bytes);
                break;
            case TypedField.Double:
                MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(proto.DoubleData.ToList())).CopyTo(bytes);
                break;
            case TypedField.Int64:
                MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(proto.Int64Data.ToList())).CopyTo(bytes);
                break;
            case TypedField.UInt64:
                int width = type == ElementType.UInt32 ? 4 : 8;
                for (int i = 0; i < proto.Uint64Data.Count; i++)
                {
                    if (width == 4) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 4), (uint)proto.Uint64Data[i]);
                    else BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * 8), proto.Uint64Data[i]);
                }
                break;
            case TypedField.Int32:
                int bits = ElementTypes.BitWidth(type);
                int bytesPerEntry = bits >= 8 ? bits / 8 : 1;
                for (int i = 0; i < proto.Int32Data.Count; i++)
                {
                    int entry = proto.Int32Data[i];
                    switch (bytesPerEntry)
                    {
                        case 1: bytes[i] = (byte)entry; break;
                        case 2: BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)entry); break;
                        default: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), entry); break;
                    }
                }
                break;
        }
        return bytes;
    }
}

/// <summary>The typed data fields of <c>TensorProto</c>.</summary>
internal enum TypedField
{
    None,
    Float,
    Int32,
    String,
    Int64,
    Double,
    UInt64,
}
