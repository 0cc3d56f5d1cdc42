using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Runtime.Execution.Gpu;

/// <summary>
/// Finds out, before any session is made, whether ONNX Runtime's CUDA provider can run here,
/// and if not, exactly what is missing: the provider library in ONNX Runtime's folder, the CUDA
/// and cuDNN libraries it needs (by file name, through the loader's own search: LD_LIBRARY_PATH,
/// the ld.so cache, the default folders), the NVIDIA driver and a device. The final check is
/// ONNX Runtime itself accepting the CUDA provider. The live probe runs once per process.
/// </summary>
public static class CudaProbe
{
    /// <summary>
    /// The libraries ONNX Runtime 1.30–1.32's CUDA provider (CUDA 13, cuDNN 9) loads: its
    /// <c>DT_NEEDED</c> entries (cudart, cuBLAS, cuBLASLt, cuRAND) and cuDNN, which it opens
    /// at run time, so it is not among them. The provider's own entries are added when readable.
    /// </summary>
    public static IReadOnlyList<string> KnownLibraries { get; } =
        ["libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn.so.9"];

    private static readonly Lazy<CudaReadiness> Live = new(() => Check(OnnxRuntimeNative.Folder, CanLoad, probeDriverAndProvider: true));

    /// <summary>The readiness of this process's ONNX Runtime (probed on first use, then remembered).</summary>
    public static CudaReadiness Current => Live.Value;

    /// <summary>
    /// Checks <paramref name="onnxRuntimeFolder"/> (where <c>libonnxruntime</c> and its provider
    /// libraries lie) with <paramref name="canLoad"/> deciding whether a library file name loads;
    /// with <paramref name="probeDriverAndProvider"/>, also asks the driver for a device and ONNX
    /// Runtime for its CUDA provider (tests of the file checks leave that off).
    /// </summary>
    public static CudaReadiness Check(string onnxRuntimeFolder, Func<string, bool> canLoad, bool probeDriverAndProvider)
    {
        ArgumentNullException.ThrowIfNull(onnxRuntimeFolder);
        ArgumentNullException.ThrowIfNull(canLoad);
        var problems = new List<string>();
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            problems.Add($"ONNX Runtime's CUDA provider is used on Linux x64 only, and this is {RuntimeInformation.RuntimeIdentifier}");
            return new CudaReadiness(null, problems);
        }

        string provider = Path.Combine(onnxRuntimeFolder, OnnxRuntimeNative.CudaProviderFileName);
        var needed = new List<string>(KnownLibraries);
        if (File.Exists(provider))
        {
            // The provider says what it links; only CUDA's own libraries are checked (libc and friends always load).
            foreach (string name in ElfDependencies.Read(provider) ?? [])
            {
                if (name.StartsWith("libcu", StringComparison.Ordinal) && name != CudaDriver.Library && !needed.Contains(name)) needed.Add(name);
            }
        }
        else
        {
            problems.Add($"'{onnxRuntimeFolder}' has no {OnnxRuntimeNative.CudaProviderFileName}: this ONNX Runtime is the CPU package; add Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0 to the project (docs/msbuild.md, \"GPU\")");
        }

        var missing = needed.Where(name => !canLoad(name)).ToList();
        bool driverMissing = !canLoad(CudaDriver.Library);
        if (driverMissing) missing.Add($"{CudaDriver.Library} (the NVIDIA driver)");
        if (missing.Count > 0)
        {
            string path = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") is { Length: > 0 } p ? $"LD_LIBRARY_PATH='{p}'" : "LD_LIBRARY_PATH unset";
            problems.Add($"missing {string.Join(", ", missing)} (searched the loader's path: {path}, the ld.so cache, /lib and /usr/lib); install CUDA 13 and cuDNN 9, or add their lib folders to LD_LIBRARY_PATH");
        }
        if (!probeDriverAndProvider) return new CudaReadiness(null, problems);

        string? device = null;
        if (!driverMissing)
        {
            device = CudaDriver.DeviceName(0, out string? driverProblem);
            if (driverProblem is not null) problems.Add(driverProblem);
        }
        if (problems.Count == 0 && ProviderProblem() is { } refused) problems.Add(refused);
        return new CudaReadiness(problems.Count == 0 ? device : null, problems);
    }

    /// <summary>Whether the loader finds <paramref name="library"/> (a file name) on its search path; a found library stays loaded.</summary>
    public static bool CanLoad(string library) => NativeLibrary.TryLoad(library, out _);

    /// <summary>ONNX Runtime's own word: appending the CUDA provider to session options, as every CUDA session will.</summary>
    private static string? ProviderProblem()
    {
        try
        {
            using var options = new SessionOptions();
            ExecutionTarget.AppendCuda(options, 0);
            return null;
        }
        catch (OnnxRuntimeException e)
        {
            return $"ONNX Runtime did not start its CUDA provider: {e.Message.Trim()}";
        }
    }
}
