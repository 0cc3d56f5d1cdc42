using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Runtime.Execution.Gpu;

namespace ModelOpt.Runtime.Tests.Execution.Gpu;

/// <summary>The up-front library check, on fake native folders: what is missing is named by file name.</summary>
public sealed class CudaProbeTests
{
    [Fact]
    public void A_folder_with_only_libonnxruntime_names_the_provider_and_every_cuda_library_that_does_not_load()
    {
        if (!OperatingSystem.IsLinux()) return; // The CUDA provider is Linux x64 only; elsewhere the probe says just that (next test).
        using var folder = new TempFolder();
        File.Copy(Path.Combine(OwnNativeFolder(), OnnxRuntimeNative.LibraryFileName), folder.File(OnnxRuntimeNative.LibraryFileName));

        var readiness = CudaProbe.Check(folder.Path, CudaProbe.CanLoad, probeDriverAndProvider: false);

        Assert.False(readiness.Usable);
        string text = readiness.Describe();
        Assert.Contains($"'{folder.Path}' has no {OnnxRuntimeNative.CudaProviderFileName}", text, StringComparison.Ordinal);
        // The real loader decides: on a machine without CUDA (CI) every one of them is named.
        foreach (string library in CudaProbe.KnownLibraries.Append("libcuda.so.1"))
        {
            Assert.Equal(!CudaProbe.CanLoad(library), text.Contains(library, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_providers_own_DT_NEEDED_entries_are_checked_too()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        FakeElf.Write(folder.File(OnnxRuntimeNative.CudaProviderFileName), ["libcublasLt.so.13", "libcufft.so.12", "libc.so.6", "libcuda.so.1"]);
        var loads = new HashSet<string>(StringComparer.Ordinal) { "libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcuda.so.1", "libc.so.6" };

        var readiness = CudaProbe.Check(folder.Path, loads.Contains, probeDriverAndProvider: false);

        var problem = Assert.Single(readiness.Problems);
        Assert.StartsWith("missing libcudnn.so.9, libcufft.so.12 (searched the loader's path", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("libc.so.6", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Everything_present_leaves_no_file_problem()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var folder = new TempFolder();
        FakeElf.Write(folder.File(OnnxRuntimeNative.CudaProviderFileName), ["libcudart.so.13"]);
        var readiness = CudaProbe.Check(folder.Path, _ => true, probeDriverAndProvider: false);
        Assert.Empty(readiness.Problems);
        // Without asking the driver there is no device, so the files alone never make it usable.
        Assert.False(readiness.Usable);
    }

    [Fact]
    public void A_missing_native_folder_or_one_without_libonnxruntime_is_MOPT0201_and_changes_nothing()
    {
        using var folder = new TempFolder();
        var missing = Assert.Throws<ModelOptException>(() => OnnxRuntimeNative.Use(folder.File("absent")));
        Assert.Equal(DiagnosticCode.OnnxRuntimeNativeFolderInvalid, missing.Code);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        var empty = Assert.Throws<ModelOptException>(() => OnnxRuntimeNative.Use(folder.Path));
        Assert.Equal("MOPT0201", empty.Code);
        Assert.Contains($"has no {OnnxRuntimeNative.LibraryFileName}", empty.Message, StringComparison.Ordinal);
        Assert.Null(OnnxRuntimeNative.HandedFolder);
    }

    private static string OwnNativeFolder() => OnnxRuntimeNative.Folder;
}
