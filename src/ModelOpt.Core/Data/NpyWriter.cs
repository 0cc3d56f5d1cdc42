using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// Writes a sample tensor as a NumPy <c>.npy</c> file (format 1.0, C order, little-endian), the
/// form <see cref="NpyFile"/> reads back: so decoded images and tokenized text can be inspected
/// with NumPy and reused as tensor data folders.
/// </summary>
public static class NpyWriter
{
    /// <summary>Writes <paramref name="tensor"/> to <paramref name="path"/>; a type NumPy has no dtype for (STRING, BFLOAT16, …) is MOPT0010.</summary>
    public static void Write(string path, SampleTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensor);
        string descr = Descr(tensor.ElementType) ?? throw new ModelOptException(DiagnosticCode.InvalidArgument, tensor.Source,
            $"'{tensor.Source}' is {ElementTypes.OnnxName(tensor.ElementType)}, which has no NumPy dtype; it cannot be written as .npy.");
        string shape = tensor.Shape.Count == 1 ? $"({tensor.Shape[0]},)" : "(" + string.Join(", ", tensor.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // The header (magic, version, length, dict, newline) is padded with spaces to a multiple of 64 bytes, as NumPy writes it.
        int unpadded = 10 + dict.Length + 1;
        string header = dict + new string(' ', ((unpadded + 63) / 64 * 64) - unpadded) + "\n";
        var bytes = new byte[10 + header.Length + tensor.Data.Length];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY", bytes.AsSpan(1));
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), checked((ushort)header.Length));
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(10));
        tensor.Data.Span.CopyTo(bytes.AsSpan(10 + header.Length));
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(DiagnosticCode.CannotWriteModel, path, $"'{path}' cannot be written: {e.Message}");
        }
    }

    private static string? Descr(ElementType type) => type switch
    {
        ElementType.Float => "<f4",
        ElementType.Double => "<f8",
        ElementType.Float16 => "<f2",
        ElementType.Int8 => "|i1",
        ElementType.UInt8 => "|u1",
        ElementType.Int16 => "<i2",
        ElementType.UInt16 => "<u2",
        ElementType.Int32 => "<i4",
        ElementType.UInt32 => "<u4",
        ElementType.Int64 => "<i8",
        ElementType.UInt64 => "<u8",
        ElementType.Bool => "|b1",
        _ => null,
    };
}
