using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Ir;

/// <summary>
/// Constant tensor data: an initializer, a <c>Constant</c> node's value, or the parts of a
/// sparse tensor. The bytes stay where they are until asked for: inside the parsed protobuf
/// (no copy), or in an external data file (memory-mapped on demand, streamed when saved).
/// </summary>
public sealed class Tensor
{
    private readonly ExternalDataStore? _store;

    internal Tensor(TensorProto proto, ExternalDataReference? external, ExternalDataStore? store)
    {
        Proto = proto;
        External = external;
        _store = store;
        ElementCount = CountElements(proto.Dims);
    }

    /// <summary>The tensor as stored: header plus inline data, or header plus external_data entries.</summary>
    internal TensorProto Proto { get; }

    /// <summary>Where the data lives when it is not inside the model file.</summary>
    public ExternalDataReference? External { get; }

    /// <summary>The tensor's name (equal to its value's name for initializers).</summary>
    public string Name { get => Proto.Name; set => Proto.Name = value; }

    /// <summary>The element type.</summary>
    public ElementType ElementType => (ElementType)Proto.DataType;

    /// <summary>The shape.</summary>
    public IReadOnlyList<long> Dims => Proto.Dims;

    /// <summary>Number of elements (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Bytes of the raw form (0 for string tensors).</summary>
    public long ByteLength => ElementTypes.ByteCount(ElementType, ElementCount);

    /// <summary>True when the data lives in an external file.</summary>
    public bool IsExternal => External is not null;

    /// <summary>
    /// The data in raw form: little-endian, fixed width, sub-byte types packed. Inline raw data
    /// and external data are not copied; typed protobuf fields are converted once.
    /// </summary>
    public ReadOnlyMemory<byte> GetRawData()
    {
        if (External is not null)
        {
            return _store!.GetMemory(External);
        }
        return TensorDataCodec.ToRaw(Proto, ElementType, ElementCount);
    }

    /// <summary>The data as floats (for <see cref="ElementType.Float"/> tensors).</summary>
    public float[] ToFloatArray()
    {
        if (ElementType != ElementType.Float) throw new InvalidOperationException($"Tensor '{Name}' is {ElementTypes.OnnxName(ElementType)}, not FLOAT.");
        if (External is null && Proto.FloatData.Count > 0) return [.. Proto.FloatData];
        return MemoryMarshal.Cast<byte, float>(GetRawData().Span).ToArray();
    }

    /// <summary>Streams the raw data to <paramref name="destination"/> without holding it all in memory.</summary>
    public void CopyRawDataTo(Stream destination)
    {
        if (External is not null)
        {
            _store!.CopyTo(External, destination);
            return;
        }
        destination.Write(GetRawData().Span);
    }

    /// <summary>A tensor over raw bytes (little-endian, packed); the bytes are not copied.</summary>
    public static Tensor FromRawData(string name, ElementType type, IEnumerable<long> dims, ReadOnlyMemory<byte> data)
    {
        var proto = new TensorProto { Name = name, DataType = (int)type, RawData = UnsafeByteOperations.UnsafeWrap(data) };
        proto.Dims.Add(dims);
        var tensor = new Tensor(proto, null, null);
        if (tensor.ByteLength != data.Length)
        {
            throw new ArgumentException($"Tensor '{name}': {data.Length} bytes given, {tensor.ByteLength} expected for {ElementTypes.OnnxName(type)}[{string.Join(",", proto.Dims)}].", nameof(data));
        }
        return tensor;
    }

    /// <summary>A float tensor.</summary>
    public static Tensor FromFloats(string name, IEnumerable<long> dims, ReadOnlySpan<float> values)
        => FromRawData(name, ElementType.Float, dims, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>
    /// A tensor over a parsed <c>TensorProto</c> with inline data, such as the <c>input_0.pb</c>
    /// files of ONNX's test data sets. The caller checks that the data fits the shape; external
    /// data is not followed.
    /// </summary>
    public static Tensor FromProto(TensorProto proto)
    {
        if (proto.DataLocation == TensorProto.Types.DataLocation.External) throw new ArgumentException($"Tensor '{proto.Name}' refers to external data.", nameof(proto));
        return new Tensor(proto, null, null);
    }

    /// <summary>A tensor whose data is a range of an existing external file (used to build huge models without loading them).</summary>
    public static Tensor FromExternalFile(string name, ElementType type, IEnumerable<long> dims, string modelDirectory, string location, long offset, ExternalDataStore store)
    {
        var proto = new TensorProto { Name = name, DataType = (int)type, DataLocation = TensorProto.Types.DataLocation.External };
        proto.Dims.Add(dims);
        long length = ElementTypes.ByteCount(type, CountElements(proto.Dims));
        proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        proto.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var reference = new ExternalDataReference(location, Path.GetFullPath(Path.Combine(modelDirectory, location)), offset, length);
        return new Tensor(proto, reference, store);
    }

    internal static long CountElements(IReadOnlyList<long> dims)
    {
        long count = 1;
        foreach (long d in dims) count = checked(count * d);
        return count;
    }

    /// <inheritdoc/>
    public override string ToString() => $"tensor '{Name}' {ElementTypes.OnnxName(ElementType)}[{string.Join(",", Dims)}]";
}
