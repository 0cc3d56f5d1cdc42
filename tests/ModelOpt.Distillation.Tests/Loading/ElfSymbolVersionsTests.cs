using ModelOpt.Distillation.Loading;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Distillation.Tests.Loading;

public sealed class ElfSymbolVersionsTests
{
    // The copy TorchSharp-cpu puts beside the test assembly: the library the loader patches.
    private static readonly string TorchSharpLibrary = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    // GCC 12's libstdc++ (Debian 12) stops at GLIBCXX_3.4.30; TorchSharp 0.107 needs 3.4.32.
    private static readonly string[] Gcc12Versions = [.. Enumerable.Range(0, 31).Select(i => i == 0 ? "GLIBCXX_3.4" : $"GLIBCXX_3.4.{i}"),
        .. Enumerable.Range(0, 14).Select(i => i == 0 ? "CXXABI_1.3" : $"CXXABI_1.3.{i}"), "CXXABI_TM_1", "CXXABI_FLOAT128"];

    [Fact]
    public void TorchSharp_needs_glibcxx_3_4_32_only_for_a_symbol_no_relocation_uses()
    {
        var versions = ElfSymbolVersions.Read(File.ReadAllBytes(TorchSharpLibrary));
        var needed = Assert.Single(versions.Needed, v => v.Name == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", needed.Library);
        Assert.False(needed.IsWeak);
        Assert.False(versions.IsUsedByRelocation(needed));
        // Older versions of the same library are bound by relocations: the reader sees them.
        Assert.Contains(versions.Needed, v => v.Library == "libstdc++.so.6" && versions.IsUsedByRelocation(v));
    }

    [Fact]
    public void Marking_a_version_weak_changes_only_its_flags_field()
    {
        byte[] original = File.ReadAllBytes(TorchSharpLibrary);
        byte[] copy = (byte[])original.Clone();
        var needed = ElfSymbolVersions.Read(copy).Needed.Single(v => v.Name == "GLIBCXX_3.4.32");

        ElfSymbolVersions.MarkWeak(copy, [needed]);

        var reread = ElfSymbolVersions.Read(copy);
        Assert.True(reread.Needed.Single(v => v.Name == "GLIBCXX_3.4.32").IsWeak);
        Assert.All(reread.Needed.Where(v => v.Name != "GLIBCXX_3.4.32"), v => Assert.Equal(ElfSymbolVersions.Read(original).Needed.Single(o => o.FlagsOffset == v.FlagsOffset).IsWeak, v.IsWeak));
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != copy[i]).ToArray();
        Assert.Equal([needed.FlagsOffset], differing);
    }

    [Fact]
    public void The_process_libstdcxx_defines_its_versions()
    {
        string path = Assert.IsType<string>(TorchSharpLoader.FindProcessLibStdCxx());
        var defined = ElfSymbolVersions.Read(File.ReadAllBytes(path)).Defined;
        Assert.Contains("GLIBCXX_3.4", defined);
        Assert.Contains("CXXABI_1.3", defined);
    }

    [Fact]
    public void The_patched_copy_is_deterministic_and_survives_racing_writers()
    {
        using var folder = new TempFolder();
        string[] paths = new string[8];
        Parallel.For(0, paths.Length, i => paths[i] = TorchSharpLoader.PreparePatchedCopy(TorchSharpLibrary, Gcc12Versions, folder.Path)!);

        Assert.Single(paths.Distinct());
        byte[] expected = File.ReadAllBytes(TorchSharpLibrary);
        var needed = ElfSymbolVersions.Read(expected).Needed.Single(v => v.Name == "GLIBCXX_3.4.32");
        ElfSymbolVersions.MarkWeak(expected, [needed]);
        Assert.Equal(expected, File.ReadAllBytes(paths[0]));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(paths[0])!));
        Assert.Equal(paths[0], TorchSharpLoader.PreparePatchedCopy(TorchSharpLibrary, Gcc12Versions, folder.Path));
    }

    [Fact]
    public void A_libstdcxx_with_every_version_needs_no_copy()
    {
        using var folder = new TempFolder();
        var all = ElfSymbolVersions.Read(File.ReadAllBytes(TorchSharpLibrary)).Needed.Select(v => v.Name).ToArray();
        Assert.Null(TorchSharpLoader.PreparePatchedCopy(TorchSharpLibrary, all, folder.Path));
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void A_missing_version_that_relocations_use_is_MOPT0300_naming_it()
    {
        using var folder = new TempFolder();
        string[] withoutOldVersion = [.. Gcc12Versions.Where(v => v != "GLIBCXX_3.4.21")];
        var error = Assert.Throws<ModelOptException>(() => TorchSharpLoader.PreparePatchedCopy(TorchSharpLibrary, withoutOldVersion, folder.Path));
        Assert.Equal(DiagnosticCode.TorchSharpUnavailable, error.Code);
        Assert.Contains("GLIBCXX_3.4.21", error.Message);
        Assert.Contains("libstdc++6", error.Message);
    }
}
