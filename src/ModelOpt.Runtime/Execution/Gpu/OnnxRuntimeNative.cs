using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Runtime.Execution.Gpu;

/// <summary>
/// Which native ONNX Runtime library the process runs: the worker's own (the CPU package it
/// ships), or one from a folder handed to it (<c>--onnxruntime-native</c>), such as the
/// <c>runtimes/linux-x64/native</c> folder of <c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c>, whose
/// <c>libonnxruntime.so</c> loads the CUDA provider from beside itself.
/// </summary>
/// <remarks>
/// The managed ONNX Runtime assembly imports its functions from the library named
/// <c>onnxruntime</c>. From 1.2x it registers its own import resolver the first time any of its
/// types touches native code; <see cref="OrtEnv.DisableDllImportResolver"/> switches that off
/// so ours, registered with <see cref="NativeLibrary.SetDllImportResolver"/>, decides. Both only
/// work before the first ONNX Runtime call of the process, so the worker calls
/// <see cref="Use"/> first thing, before any command runs.
/// </remarks>
public static class OnnxRuntimeNative
{
    private static readonly Lock Gate = new();
    private static string? _folder;

    /// <summary>The file name of the ONNX Runtime library on this operating system.</summary>
    public static string LibraryFileName { get; } =
        OperatingSystem.IsWindows() ? "onnxruntime.dll" : OperatingSystem.IsMacOS() ? "libonnxruntime.dylib" : "libonnxruntime.so";

    /// <summary>The file name of ONNX Runtime's CUDA provider (Linux), loaded by <c>libonnxruntime.so</c> from its own folder.</summary>
    public const string CudaProviderFileName = "libonnxruntime_providers_cuda.so";

    /// <summary>The folder handed over with <see cref="Use"/>, or null when the worker runs its own ONNX Runtime.</summary>
    public static string? HandedFolder
    {
        get
        {
            lock (Gate) return _folder;
        }
    }

    /// <summary>
    /// The folder the process's ONNX Runtime library comes from: the handed folder, else where the
    /// worker's own lies (<c>runtimes/&lt;rid&gt;/native</c> of a framework-dependent build, the
    /// application folder of a self-contained one).
    /// </summary>
    public static string Folder => HandedFolder ?? OwnFolder();

    /// <summary>
    /// Makes the process load ONNX Runtime from <paramref name="folder"/>. Call before any other
    /// ONNX Runtime use; calling again with the same folder does nothing. A folder without the
    /// library, a second different folder, or a call after ONNX Runtime was loaded is MOPT0201.
    /// </summary>
    public static void Use(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw Invalid(full, "does not exist");
        }
        if (!File.Exists(Path.Combine(full, LibraryFileName)))
        {
            throw Invalid(full, $"has no {LibraryFileName}; point it at the runtimes/linux-x64/native folder of the Microsoft.ML.OnnxRuntime.Gpu.Linux package");
        }
        lock (Gate)
        {
            if (_folder is not null)
            {
                if (string.Equals(_folder, full, StringComparison.Ordinal)) return;
                throw Invalid(full, $"cannot replace '{_folder}', which this process already uses");
            }
            try
            {
                OrtEnv.DisableDllImportResolver = true;
                NativeLibrary.SetDllImportResolver(typeof(OrtEnv).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                throw Invalid(full, "came too late: ONNX Runtime was already loaded in this process (the option must come before the command)");
            }
            _folder = full;
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        string? folder = HandedFolder;
        return folder is not null && name == "onnxruntime" ? NativeLibrary.Load(Path.Combine(folder, LibraryFileName)) : 0;
    }

    private static string OwnFolder()
    {
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        if (File.Exists(Path.Combine(native, LibraryFileName))) return native;
        string portable = Path.Combine(AppContext.BaseDirectory, "runtimes",
            (OperatingSystem.IsWindows() ? "win-" : OperatingSystem.IsMacOS() ? "osx-" : "linux-") + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native");
        return File.Exists(Path.Combine(portable, LibraryFileName)) ? portable : AppContext.BaseDirectory;
    }

    private static ModelOptException Invalid(string folder, string why)
        => new(DiagnosticCode.OnnxRuntimeNativeFolderInvalid, folder,
            $"the ONNX Runtime native folder '{folder}' {why}. See docs/msbuild.md, \"GPU\" (ModelOptOnnxRuntimeNative).");
}
