using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.TestUtilities;

/// <summary>Writes calibration files as NumPy and ONNX's tools do, so the readers are tested against the formats, not against themselves.</summary>
public static class SampleFiles
{
    /// <summary>
    /// A .npy file (NEP 1): magic, version, header length (2 bytes in 1.0, 4 in 2.0), the header
    /// dict padded with spaces and a newline so data starts at a multiple of 64, then the data.
    /// </summary>
    public static void Npy(string path, string descr, long[] shape, ReadOnlySpan<byte> data, int version = 1, bool fortranOrder = false)
    {
        string dims = shape.Length switch
        {
            0 => "()",
            1 => string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)"),
            _ => "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': {dims}, }}";
        int prefix = version == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - prefix - 1) + "\n";

        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        var length = new byte[version == 1 ? 2 : 4];
        if (version == 1) BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        stream.Write(data);
    }

    /// <summary>A float32 .npy file (version 1.0).</summary>
    public static void NpyFloats(string path, long[] shape, float[] values) => Npy(path, "<f4", shape, MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>A serialized TensorProto with the floats in <c>raw_data</c> (or in <c>float_data</c>).</summary>
    public static void PbFloats(string path, string name, long[] shape, float[] values, bool typedField = false)
    {
        var proto = new TensorProto { Name = name, DataType = (int)ElementType.Float };
        proto.Dims.Add(shape);
        if (typedField) proto.FloatData.Add(values);
        else proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        File.WriteAllBytes(path, proto.ToByteArray());
    }

    /// <summary>A serialized TensorProto as it is.</summary>
    public static void Pb(string path, TensorProto proto) => File.WriteAllBytes(path, proto.ToByteArray());
}
