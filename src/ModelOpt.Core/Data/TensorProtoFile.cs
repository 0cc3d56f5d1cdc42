using Google.Protobuf;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Core.Data;

/// <summary>
/// Reads a serialized ONNX <c>TensorProto</c> (<c>.pb</c>), the format of the <c>input_N.pb</c>
/// files in ONNX's test data sets (onnx/backend/test/data/*/test_data_set_N). The tensor's name,
/// when set, binds it to the model input of that name.
/// </summary>
internal sealed class TensorProtoFile : ISampleFileReader
{
    /// <summary>The reader; it holds no state.</summary>
    public static TensorProtoFile Instance { get; } = new();

    public IReadOnlyList<string> Extensions { get; } = [".pb"];

    /// <inheritdoc/>
    public IEnumerable<Sample> Read(string path, SampleReadContext context) => [new Sample(Path.GetFileName(path), [Read(path)])];

    public SampleTensor Read(string path)
    {
        byte[] bytes = SampleFileReaders.ReadAll(path);
        TensorProto proto;
        try
        {
            proto = TensorProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Invalid(path, $"is not a serialized ONNX TensorProto ({e.Message})");
        }

        var type = (ElementType)proto.DataType;
        if (!Enum.IsDefined(type) || type is ElementType.Undefined or ElementType.String || !ElementTypes.HasRawForm(type))
        {
            throw Invalid(path, $"holds a tensor of type {ElementTypes.OnnxName(type)}; numeric tensors are read");
        }
        if (proto.DataLocation == TensorProto.Types.DataLocation.External || proto.Segment is not null)
        {
            throw Invalid(path, "holds a tensor with external or segmented data; store the data inline");
        }

        long count = 1;
        foreach (long d in proto.Dims)
        {
            if (d < 0) throw Invalid(path, $"declares a negative dimension in [{string.Join(",", proto.Dims)}]");
            count = checked(count * d);
        }
        long present = proto.HasRawData ? proto.RawData.Length : TypedEntries(proto, type);
        long expected = proto.HasRawData ? ElementTypes.ByteCount(type, count) : count;
        if (present != expected)
        {
            throw Invalid(path, $"holds {present} {(proto.HasRawData ? "bytes" : "entries")} of data; {ElementTypes.OnnxName(type)}[{string.Join(",", proto.Dims)}] needs {expected}");
        }
        var raw = Tensor.FromProto(proto).GetRawData();
        return new SampleTensor(proto.Name, type, [.. proto.Dims], raw, path);
    }

    /// <summary>Entries in the typed field that holds <paramref name="type"/> (onnx.proto, comments on the *_data fields).</summary>
    private static long TypedEntries(TensorProto proto, ElementType type) => type switch
    {
        ElementType.Float => proto.FloatData.Count,
        ElementType.Double => proto.DoubleData.Count,
        ElementType.Int64 => proto.Int64Data.Count,
        ElementType.UInt32 or ElementType.UInt64 => proto.Uint64Data.Count,
        ElementType.Int8 or ElementType.UInt8 or ElementType.Int16 or ElementType.UInt16 or ElementType.Int32
            or ElementType.Bool or ElementType.Float16 or ElementType.BFloat16 => proto.Int32Data.Count,
        _ => -1,
    };

    private static ModelOptException Invalid(string path, string what)
        => new(DiagnosticCode.CalibrationDataInvalid, path, $"calibration file '{path}' {what}.");
}
