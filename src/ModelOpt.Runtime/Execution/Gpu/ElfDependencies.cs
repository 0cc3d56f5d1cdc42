using System.Buffers.Binary;
using System.Text;

namespace ModelOpt.Runtime.Execution.Gpu;

/// <summary>
/// The shared libraries an ELF library links (<c>DT_NEEDED</c> entries of its dynamic section),
/// read from the file without loading it: which CUDA libraries ONNX Runtime's CUDA provider
/// needs comes from the provider itself, so a newer package that links other versions is checked
/// against what it really needs. Only 64-bit little-endian ELF (x86-64, arm64 Linux) is read.
/// </summary>
public static class ElfDependencies
{
    private const uint SectionDynamic = 6; // SHT_DYNAMIC
    private const long TagNeeded = 1;      // DT_NEEDED
    private const long TagNull = 0;        // DT_NULL ends the table

    /// <summary>
    /// The <c>DT_NEEDED</c> names of <paramref name="path"/>, in file order; null when the file is
    /// not a 64-bit little-endian ELF or has no dynamic section (the caller then checks its own list).
    /// </summary>
    public static IReadOnlyList<string>? Read(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> header = stackalloc byte[64];
        if (file.Read(header) < 64) return null;
        // "\x7fELF", class 2 (64-bit), data 1 (little-endian).
        if (header[0] != 0x7f || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F' || header[4] != 2 || header[5] != 1) return null;
        long sectionTable = BinaryPrimitives.ReadInt64LittleEndian(header[0x28..]);
        int sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3C..]);
        if (sectionSize < 64 || sectionCount == 0 || sectionTable <= 0 || sectionTable + (long)sectionSize * sectionCount > file.Length) return null;

        var sections = new byte[sectionSize * sectionCount];
        file.Position = sectionTable;
        file.ReadExactly(sections);
        for (int i = 0; i < sectionCount; i++)
        {
            var section = sections.AsSpan(i * sectionSize, sectionSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(section[4..]) != SectionDynamic) continue;
            long offset = BinaryPrimitives.ReadInt64LittleEndian(section[0x18..]);
            long size = BinaryPrimitives.ReadInt64LittleEndian(section[0x20..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(section[0x28..]);
            if (link >= sectionCount) return null;
            var strings = sections.AsSpan(link * sectionSize, sectionSize);
            long stringsOffset = BinaryPrimitives.ReadInt64LittleEndian(strings[0x18..]);
            long stringsSize = BinaryPrimitives.ReadInt64LittleEndian(strings[0x20..]);
            if (offset < 0 || size < 0 || offset + size > file.Length || stringsOffset < 0 || stringsSize < 0 || stringsOffset + stringsSize > file.Length || size > 1 << 20 || stringsSize > 16 << 20) return null;
            return Needed(file, offset, size, stringsOffset, stringsSize);
        }
        return null;
    }

    private static List<string> Needed(FileStream file, long offset, long size, long stringsOffset, long stringsSize)
    {
        var dynamic = new byte[size];
        file.Position = offset;
        file.ReadExactly(dynamic);
        var strings = new byte[stringsSize];
        file.Position = stringsOffset;
        file.ReadExactly(strings);
        var names = new List<string>();
        for (int at = 0; at + 16 <= dynamic.Length; at += 16)
        {
            long tag = BinaryPrimitives.ReadInt64LittleEndian(dynamic.AsSpan(at));
            if (tag == TagNull) break;
            if (tag != TagNeeded) continue;
            long name = BinaryPrimitives.ReadInt64LittleEndian(dynamic.AsSpan(at + 8));
            if (name < 0 || name >= strings.Length) continue;
            int end = Array.IndexOf(strings, (byte)0, (int)name);
            if (end < 0) end = strings.Length;
            names.Add(Encoding.UTF8.GetString(strings, (int)name, end - (int)name));
        }
        return names;
    }
}
