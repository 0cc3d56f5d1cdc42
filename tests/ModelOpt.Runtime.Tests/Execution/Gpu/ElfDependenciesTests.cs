using ModelOpt.Runtime.Execution.Gpu;

namespace ModelOpt.Runtime.Tests.Execution.Gpu;

public sealed class ElfDependenciesTests
{
    [Fact]
    public void Reads_the_needed_libraries_in_file_order()
    {
        using var folder = new TempFolder();
        FakeElf.Write(folder.File("lib.so"), ["libcublasLt.so.13", "libcudart.so.13", "libc.so.6"]);
        Assert.Equal(["libcublasLt.so.13", "libcudart.so.13", "libc.so.6"], ElfDependencies.Read(folder.File("lib.so")));
    }

    /// <summary>The ONNX Runtime library the CPU package ships (from NuGet, in the test's output) links the C library.</summary>
    [Fact]
    public void Reads_a_real_library()
    {
        if (!OperatingSystem.IsLinux()) return;
        var needed = ElfDependencies.Read(Path.Combine(OnnxRuntimeNative.Folder, OnnxRuntimeNative.LibraryFileName));
        Assert.NotNull(needed);
        Assert.Contains("libc.so.6", needed);
    }

    [Fact]
    public void A_file_that_is_not_elf_gives_null()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("lib.so"), "not an ELF file, but long enough to hold an ELF header of sixty-four bytes.");
        Assert.Null(ElfDependencies.Read(folder.File("lib.so")));
        File.WriteAllBytes(folder.File("short.so"), [0x7f, (byte)'E', (byte)'L', (byte)'F']);
        Assert.Null(ElfDependencies.Read(folder.File("short.so")));
    }
}
