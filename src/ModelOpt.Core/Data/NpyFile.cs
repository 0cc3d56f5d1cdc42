using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1.0–3.0, NEP 1 "A Simple File Format for NumPy
/// Arrays"): the magic <c>\x93NUMPY</c>, a version, the header length (2 bytes in 1.0, 4 bytes
/// later), a Python dict literal with <c>descr</c>, <c>fortran_order</c> and <c>shape</c>, then the
/// data. Little-endian (or one-byte) numeric dtypes in C order are accepted; anything else is
/// <see cref="DiagnosticCode.CalibrationDataInvalid"/> with what to do.
/// </summary>
internal sealed class NpyFile : ISampleFileReader
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The reader; it holds no state.</summary>
    public static NpyFile Instance { get; } = new();

    public IReadOnlyList<string> Extensions { get; } = [".npy"];

    /// <summary>
    /// The array in <paramref name="path"/>, named by its file name without extension: a .npy file
    /// has no tensor name, and the file name binds it when it equals an input's name.
    /// </summary>
    public SampleTensor Read(string path) => Read(path, Path.GetFileNameWithoutExtension(path));

    /// <inheritdoc/>
    public IEnumerable<Sample> Read(string path, SampleReadContext context) => [new Sample(Path.GetFileName(path), [Read(path)])];

    private static SampleTensor Read(string path, string? name)
    {
        byte[] bytes = SampleFileReaders.ReadAll(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw Invalid(path, "does not start with the .npy magic string \\x93NUMPY");
        }
        int major = bytes[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
                headerStart = 10;
                break;
            case 2 or 3:
                if (bytes.Length < 12) throw Invalid(path, "is truncated in its header");
                headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
                headerStart = 12;
                break;
            default:
                throw Invalid(path, string.Create(CultureInfo.InvariantCulture, $"has format version {major}.{bytes[7]}; versions 1.0 to 3.0 are read"));
        }
        if (headerStart + (long)headerLength > bytes.Length) throw Invalid(path, "is truncated in its header");

        // Version 3.0 only changes the header's encoding from latin-1 to UTF-8, which both read the same for valid headers.
        string header = Encoding.UTF8.GetString(bytes, headerStart, headerLength);
        var fields = NpyHeader.Parse(header, path);
        var (type, byteOrderOk) = ElementTypeOf(fields.Descr);
        if (type == ElementType.Undefined)
        {
            throw Invalid(path, $"has dtype '{fields.Descr}'; supported are float32/64/16, int8/16/32/64, uint8/16/32/64 and bool");
        }
        if (!byteOrderOk)
        {
            throw Invalid(path, $"is big-endian (dtype '{fields.Descr}'); save it little-endian, e.g. with array.astype(array.dtype.newbyteorder('<'))");
        }
        if (fields.FortranOrder && fields.Shape.Count(d => d != 1) > 1)
        {
            throw Invalid(path, "is stored in Fortran (column-major) order; save it in C order, e.g. np.save(path, np.ascontiguousarray(array))");
        }

        var data = new ReadOnlyMemory<byte>(bytes, headerStart + headerLength, bytes.Length - headerStart - headerLength);
        try
        {
            return new SampleTensor(name, type, fields.Shape, data, path);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw Invalid(path, $"holds {data.Length} data bytes, which do not match dtype '{fields.Descr}' and shape [{string.Join(",", fields.Shape)}]");
        }
    }

    /// <summary>The element type of a NumPy type string like <c>&lt;f4</c>, and whether its byte order is usable.</summary>
    private static (ElementType Type, bool ByteOrderOk) ElementTypeOf(string descr)
    {
        if (descr.Length < 3) return (ElementType.Undefined, true);
        char order = descr[0];
        var type = descr[1..] switch
        {
            "f4" => ElementType.Float,
            "f8" => ElementType.Double,
            "f2" => ElementType.Float16,
            "i1" => ElementType.Int8,
            "i2" => ElementType.Int16,
            "i4" => ElementType.Int32,
            "i8" => ElementType.Int64,
            "u1" => ElementType.UInt8,
            "u2" => ElementType.UInt16,
            "u4" => ElementType.UInt32,
            "u8" => ElementType.UInt64,
            "b1" => ElementType.Bool,
            _ => ElementType.Undefined,
        };
        bool oneByte = ElementTypes.BitWidth(type) == 8;
        // '|' means "not applicable" (one-byte types); '=' is the writer's native order, which is
        // little-endian on every platform NumPy and .NET share today.
        bool ok = order == '<' || order == '=' || (order == '|' && oneByte) || (order == '>' && oneByte);
        if (order is not ('<' or '>' or '=' or '|')) return (ElementType.Undefined, true);
        return (type, ok);
    }

    private static ModelOptException Invalid(string path, string what)
        => new(DiagnosticCode.CalibrationDataInvalid, path, $"calibration file '{path}' {what}.");
}
