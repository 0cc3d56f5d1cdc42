using System.Buffers.Binary;
using System.Text;

namespace ModelOpt.Distillation.Loading;

/// <summary>One version a shared library needs from another (a <c>Vernaux</c> entry of <c>.gnu.version_r</c>).</summary>
/// <param name="Library">The library that must define the version, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Name">The version, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Index">The version index symbols carry in <c>.gnu.version</c>.</param>
/// <param name="IsWeak">True when the entry has <c>VER_FLG_WEAK</c>: the loader only warns when the version is missing.</param>
/// <param name="FlagsOffset">The file offset of the entry's <c>vna_flags</c> field.</param>
internal readonly record struct NeededVersion(string Library, string Name, int Index, bool IsWeak, int FlagsOffset);

/// <summary>
/// The symbol-versioning tables of a 64-bit little-endian ELF shared library, read from its
/// section headers: the versions it needs (<c>SHT_GNU_verneed</c>), the versions it defines
/// (<c>SHT_GNU_verdef</c>), and which versions are used by a relocation. This is what decides
/// whether a library built against a newer libstdc++ can load against an older one (System V
/// gABI, "Symbol Versioning" in the LSB core specification).
/// </summary>
internal sealed class ElfSymbolVersions
{
    /// <summary><c>VER_FLG_WEAK</c>: a needed version whose absence is not fatal.</summary>
    public const ushort WeakFlag = 0x2;

    private const uint SectionRela = 4;
    private const uint SectionDynamicSymbols = 11;
    private const uint SectionRel = 9;
    private const uint SectionVersionDefinitions = 0x6ffffffd;
    private const uint SectionVersionNeeds = 0x6ffffffe;
    private const uint SectionVersionSymbols = 0x6fffffff;

    private ElfSymbolVersions(IReadOnlyList<NeededVersion> needed, IReadOnlyList<string> defined, IReadOnlySet<int> relocatedVersionIndices)
    {
        Needed = needed;
        Defined = defined;
        RelocatedVersionIndices = relocatedVersionIndices;
    }

    /// <summary>Every version the library needs, in file order.</summary>
    public IReadOnlyList<NeededVersion> Needed { get; }

    /// <summary>Every version the library defines (for libstdc++: <c>GLIBCXX_3.4</c> … <c>GLIBCXX_3.4.30</c>, <c>CXXABI_…</c>).</summary>
    public IReadOnlyList<string> Defined { get; }

    /// <summary>The version indices of the symbols that some dynamic relocation refers to.</summary>
    public IReadOnlySet<int> RelocatedVersionIndices { get; }

    /// <summary>True when some relocation binds a symbol of <paramref name="version"/>: then the version is really used, and marking it weak would only move the failure to run time.</summary>
    public bool IsUsedByRelocation(NeededVersion version) => RelocatedVersionIndices.Contains(version.Index);

    /// <summary>Reads the tables of <paramref name="elf"/>; throws <see cref="InvalidDataException"/> when it is not a 64-bit little-endian ELF file with section headers.</summary>
    public static ElfSymbolVersions Read(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }
        if (elf[4] != 2 || elf[5] != 1) throw new InvalidDataException("not a 64-bit little-endian ELF file");
        long sectionHeaders = (long)U64(elf, 0x28);
        int headerSize = U16(elf, 0x3A);
        int sectionCount = U16(elf, 0x3C);
        if (sectionHeaders <= 0 || sectionCount == 0 || headerSize < 64 || sectionHeaders + (long)sectionCount * headerSize > elf.Length)
        {
            throw new InvalidDataException("the ELF file has no section headers");
        }
        var sections = new Section[sectionCount];
        for (int i = 0; i < sectionCount; i++)
        {
            int at = checked((int)(sectionHeaders + (long)i * headerSize));
            sections[i] = new Section(U32(elf, at + 4), checked((int)U64(elf, at + 24)), checked((int)U64(elf, at + 32)), (int)U32(elf, at + 40), checked((int)U64(elf, at + 56)));
            if ((long)sections[i].Offset + sections[i].Size > elf.Length && sections[i].Type != 8 /* SHT_NOBITS */)
            {
                throw new InvalidDataException($"section {i} lies outside the file");
            }
        }

        var needed = new List<NeededVersion>();
        var defined = new List<string>();
        var relocated = new HashSet<int>();
        for (int s = 0; s < sections.Length; s++)
        {
            var section = sections[s];
            switch (section.Type)
            {
                case SectionVersionNeeds:
                    ReadNeeds(elf, section, sections[section.Link], needed);
                    break;
                case SectionVersionDefinitions:
                    ReadDefinitions(elf, section, sections[section.Link], defined);
                    break;
                case SectionRela or SectionRel when sections[section.Link].Type == SectionDynamicSymbols:
                    ReadRelocatedVersions(elf, section, section.Link, sections, relocated);
                    break;
            }
        }
        return new ElfSymbolVersions(needed, defined, relocated);
    }

    /// <summary>Sets <c>VER_FLG_WEAK</c> on the needed-version entries of <paramref name="versions"/> in <paramref name="elf"/>, in place.</summary>
    public static void MarkWeak(Span<byte> elf, IEnumerable<NeededVersion> versions)
    {
        foreach (var version in versions)
        {
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[version.FlagsOffset..]);
            BinaryPrimitives.WriteUInt16LittleEndian(elf[version.FlagsOffset..], (ushort)(flags | WeakFlag));
        }
    }

    // Elf64_Verneed { vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32 } then
    // Elf64_Vernaux { vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32 }.
    private static void ReadNeeds(ReadOnlySpan<byte> elf, Section section, Section strings, List<NeededVersion> needed)
    {
        int entry = section.Offset;
        for (int guard = 0; guard < 4096; guard++)
        {
            int count = U16(elf, entry + 2);
            string library = String(elf, strings, U32(elf, entry + 4));
            int aux = entry + (int)U32(elf, entry + 8);
            for (int i = 0; i < count; i++)
            {
                ushort flags = (ushort)U16(elf, aux + 4);
                needed.Add(new NeededVersion(library, String(elf, strings, U32(elf, aux + 8)), U16(elf, aux + 6) & 0x7fff, (flags & WeakFlag) != 0, aux + 4));
                uint nextAux = U32(elf, aux + 12);
                if (nextAux == 0) break;
                aux += (int)nextAux;
            }
            uint next = U32(elf, entry + 12);
            if (next == 0) return;
            entry += (int)next;
        }
        throw new InvalidDataException("the version-needs table does not end");
    }

    // Elf64_Verdef { vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32 }
    // then Elf64_Verdaux { vda_name u32, vda_next u32 }; the first aux names the version.
    private static void ReadDefinitions(ReadOnlySpan<byte> elf, Section section, Section strings, List<string> defined)
    {
        int entry = section.Offset;
        for (int guard = 0; guard < 65536; guard++)
        {
            int aux = entry + (int)U32(elf, entry + 12);
            defined.Add(String(elf, strings, U32(elf, aux)));
            uint next = U32(elf, entry + 16);
            if (next == 0) return;
            entry += (int)next;
        }
        throw new InvalidDataException("the version-definitions table does not end");
    }

    private static void ReadRelocatedVersions(ReadOnlySpan<byte> elf, Section relocations, int symbolSection, Section[] sections, HashSet<int> relocated)
    {
        var versionSymbols = Array.Find(sections, s => s.Type == SectionVersionSymbols && s.Link == symbolSection);
        if (versionSymbols.Size == 0) return;
        int entrySize = relocations.EntrySize > 0 ? relocations.EntrySize : (relocations.Type == SectionRela ? 24 : 16);
        for (int at = relocations.Offset; at + entrySize <= relocations.Offset + relocations.Size; at += entrySize)
        {
            long symbol = (long)(U64(elf, at + 8) >> 32);
            if (symbol == 0) continue;
            int versionAt = checked((int)(versionSymbols.Offset + symbol * 2));
            if (versionAt + 2 > versionSymbols.Offset + versionSymbols.Size) continue;
            relocated.Add(U16(elf, versionAt) & 0x7fff);
        }
    }

    private static string String(ReadOnlySpan<byte> elf, Section strings, uint offset)
    {
        var tail = elf.Slice(strings.Offset + (int)offset, strings.Size - (int)offset);
        int end = tail.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? tail : tail[..end]);
    }

    private static int U16(ReadOnlySpan<byte> elf, int at) => BinaryPrimitives.ReadUInt16LittleEndian(elf[at..]);

    private static uint U32(ReadOnlySpan<byte> elf, int at) => BinaryPrimitives.ReadUInt32LittleEndian(elf[at..]);

    private static ulong U64(ReadOnlySpan<byte> elf, int at) => BinaryPrimitives.ReadUInt64LittleEndian(elf[at..]);

    private readonly record struct Section(uint Type, int Offset, int Size, int Link, int EntrySize);
}
