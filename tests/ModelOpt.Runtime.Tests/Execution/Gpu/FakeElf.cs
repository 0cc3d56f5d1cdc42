using System.Buffers.Binary;
using System.Text;

namespace ModelOpt.Runtime.Tests.Execution.Gpu;

/// <summary>
/// Writes the smallest 64-bit little-endian ELF file whose dynamic section lists given
/// <c>DT_NEEDED</c> names: a header and three section headers (null, .dynamic, .dynstr).
/// It loads nowhere; it only stands in for a provider library whose needs a test controls.
/// </summary>
internal static class FakeElf
{
    public static void Write(string path, IReadOnlyList<string> needed)
    {
        var strings = new List<byte> { 0 };
        var offsets = new List<int>();
        foreach (string name in needed)
        {
            offsets.Add(strings.Count);
            strings.AddRange(Encoding.UTF8.GetBytes(name));
            strings.Add(0);
        }
        const int headerSize = 64, sectionSize = 64;
        int dynamicOffset = headerSize;
        int dynamicSize = (needed.Count + 1) * 16;
        int stringsOffset = dynamicOffset + dynamicSize;
        int sectionsOffset = stringsOffset + strings.Count;
        var file = new byte[sectionsOffset + 3 * sectionSize];
        var span = file.AsSpan();
        "\u007fELF"u8.CopyTo(span);
        span[4] = 2; // 64-bit
        span[5] = 1; // little-endian
        span[6] = 1; // version
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x10..], 3);  // ET_DYN
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x12..], 62); // x86-64
        BinaryPrimitives.WriteInt64LittleEndian(span[0x28..], sectionsOffset);
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x3A..], sectionSize);
        BinaryPrimitives.WriteUInt16LittleEndian(span[0x3C..], 3);
        for (int i = 0; i < needed.Count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[(dynamicOffset + i * 16)..], 1); // DT_NEEDED
            BinaryPrimitives.WriteInt64LittleEndian(span[(dynamicOffset + i * 16 + 8)..], offsets[i]);
        }
        strings.ToArray().CopyTo(span[stringsOffset..]);
        Section(span[(sectionsOffset + sectionSize)..], type: 6, dynamicOffset, dynamicSize, link: 2); // .dynamic -> .dynstr
        Section(span[(sectionsOffset + 2 * sectionSize)..], type: 3, stringsOffset, strings.Count, link: 0); // .dynstr
        File.WriteAllBytes(path, file);
    }

    private static void Section(Span<byte> header, uint type, long offset, long size, uint link)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], type);
        BinaryPrimitives.WriteInt64LittleEndian(header[0x18..], offset);
        BinaryPrimitives.WriteInt64LittleEndian(header[0x20..], size);
        BinaryPrimitives.WriteUInt32LittleEndian(header[0x28..], link);
    }
}
