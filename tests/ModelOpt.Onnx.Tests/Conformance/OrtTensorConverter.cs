using Microsoft.ML.OnnxRuntime;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>
/// Turns ONNX <see cref="TensorProto"/> messages (the suite's <c>input_N.pb</c> files, or
/// tensors a test builds) into ONNX Runtime values. The bytes go through our own
/// <see cref="TensorDataCodec"/>, so typed fields (<c>float_data</c>, <c>int32_data</c> holding
/// float16, …) are decoded by the code under test, and ORT checks the result.
/// </summary>
internal static class OrtTensorConverter
{
    /// <summary>True for the element types this harness can hand to ONNX Runtime.</summary>
    public static bool IsSupported(ElementType type) => type switch
    {
        ElementType.Float or ElementType.Double or ElementType.Float16 or ElementType.BFloat16
            or ElementType.Int8 or ElementType.Int16 or ElementType.Int32 or ElementType.Int64
            or ElementType.UInt8 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64
            or ElementType.Bool or ElementType.String => true,
        _ => false,
    };

    /// <summary>
    /// The element type to read a stored tensor as. The suite's generator (numpy, which has no
    /// bfloat16) stored BFLOAT16 data as UINT16 tensors of the same bits (test_cast_BFLOAT16_to_FLOAT
    /// and friends), so when the model declares BFLOAT16 a UINT16 file is read as BFLOAT16.
    /// </summary>
    public static ElementType EffectiveType(ElementType stored, ElementType declared)
        => stored == ElementType.UInt16 && declared == ElementType.BFloat16 ? ElementType.BFloat16 : stored;

    /// <summary>
    /// A new ORT tensor holding a copy of <paramref name="proto"/>'s data; the caller disposes it.
    /// <paramref name="declaredType"/> is the model's type for this input, when known (see <see cref="EffectiveType"/>).
    /// </summary>
    public static OrtValue ToOrtValue(TensorProto proto, ElementType declaredType = ElementType.Undefined)
    {
        var type = EffectiveType((ElementType)proto.DataType, declaredType);
        if (!IsSupported(type)) throw new NotSupportedException($"tensor '{proto.Name}' has element type {ElementTypes.OnnxName(type)}, which this harness does not feed to ONNX Runtime.");
        if (proto.HasDataLocation && proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new NotSupportedException($"tensor '{proto.Name}' keeps its data in an external file.");
        }
        long[] shape = [.. proto.Dims];
        long count = Tensor.CountElements(proto.Dims);

        if (type == ElementType.String)
        {
            if (proto.StringData.Count != count) throw new InvalidDataException($"tensor '{proto.Name}' has {proto.StringData.Count} strings for {count} elements.");
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
            for (int i = 0; i < proto.StringData.Count; i++) strings.StringTensorSetElementAt(proto.StringData[i].Span, i);
            return strings;
        }

        ReadOnlyMemory<byte> raw = TensorDataCodec.ToRaw(proto, type, count);
        long expectedBytes = ElementTypes.ByteCount(type, count);
        if (raw.Length != expectedBytes) throw new InvalidDataException($"tensor '{proto.Name}' has {raw.Length} bytes of data; {ElementTypes.OnnxName(type)}[{string.Join(",", shape)}] needs {expectedBytes}.");

        // ElementType uses ONNX's DataType numbers, and so does ORT's TensorElementType.
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)type, shape);
        if (raw.Length > 0) raw.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }
}
