using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>
/// Feeds the backend suite's <c>input_N.pb</c> files to ONNX Runtime and reads outputs back as
/// doubles for comparison. The suite's generator (numpy) stores numbers in <c>raw_data</c>; the
/// typed fields are read too for the element types this test feeds. Decoding every storage form
/// is the concern of ModelOpt.Onnx.Tests; this only feeds models.
/// </summary>
internal static class SuiteTensors
{
    /// <summary>An ORT tensor with the data of <paramref name="proto"/>, or null for an element type this test does not feed.</summary>
    public static OrtValue? ToOrtValue(TensorProto proto)
    {
        long[] shape = [.. proto.Dims];
        return (TensorProto.Types.DataType)proto.DataType switch
        {
            TensorProto.Types.DataType.Float => Create(proto.RawData.Length > 0 ? Raw<float>(proto) : [.. proto.FloatData], shape),
            TensorProto.Types.DataType.Double => Create(proto.RawData.Length > 0 ? Raw<double>(proto) : [.. proto.DoubleData], shape),
            TensorProto.Types.DataType.Int64 => Create(proto.RawData.Length > 0 ? Raw<long>(proto) : [.. proto.Int64Data], shape),
            TensorProto.Types.DataType.Int32 => Create(proto.RawData.Length > 0 ? Raw<int>(proto) : [.. proto.Int32Data], shape),
            TensorProto.Types.DataType.Bool => Create(proto.RawData.Length > 0 ? Raw<bool>(proto) : proto.Int32Data.Select(v => v != 0).ToArray(), shape),
            TensorProto.Types.DataType.Uint8 => Create(proto.RawData.Length > 0 ? Raw<byte>(proto) : proto.Int32Data.Select(v => (byte)v).ToArray(), shape),
            TensorProto.Types.DataType.Int8 => Create(proto.RawData.Length > 0 ? Raw<sbyte>(proto) : proto.Int32Data.Select(v => (sbyte)v).ToArray(), shape),
            _ => null,
        };
    }

    /// <summary>A numeric output as doubles; null for types that are not compared (strings, sequences).</summary>
    public static double[]? ToDoubles(OrtValue value)
    {
        if (!value.IsTensor) return null;
        return value.GetTensorTypeAndShape().ElementDataType switch
        {
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Float16 => value.GetTensorDataAsSpan<Microsoft.ML.OnnxRuntime.Float16>().ToArray().Select(v => (double)(float)v).ToArray(),
            TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
            TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray().Select(v => v ? 1.0 : 0.0).ToArray(),
            TensorElementType.UInt8 => value.GetTensorDataAsSpan<byte>().ToArray().Select(v => (double)v).ToArray(),
            TensorElementType.Int8 => value.GetTensorDataAsSpan<sbyte>().ToArray().Select(v => (double)v).ToArray(),
            _ => null,
        };
    }

    private static T[] Raw<T>(TensorProto proto) where T : unmanaged => MemoryMarshal.Cast<byte, T>(proto.RawData.Span).ToArray();

    private static OrtValue Create<T>(T[] data, long[] shape) where T : unmanaged => OrtValue.CreateTensorValueFromMemory(data, shape);
}
