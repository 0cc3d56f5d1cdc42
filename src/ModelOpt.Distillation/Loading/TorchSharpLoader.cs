using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using ModelOpt.Onnx.Diagnostics;
using TorchSharp;

namespace ModelOpt.Distillation.Loading;

/// <summary>
/// Makes TorchSharp's native libraries load, and must be called before anything else touches
/// TorchSharp. TorchSharp 0.107's <c>libLibTorchSharp.so</c> was linked by GCC 13 and so names the
/// version <c>GLIBCXX_3.4.32</c> of libstdc++, which GCC 12's libstdc++ (Debian 12, Ubuntu 22.04)
/// lacks; the dynamic loader then refuses the whole library. The only symbol of that version is
/// <c>std::ios_base_library_init()</c>, which GCC 13's <c>&lt;iostream&gt;</c> declares
/// (<c>.globl</c>) purely to force that link-time dependency: no relocation refers to it, so no
/// code ever calls it. When the process's libstdc++ lacks a needed version that no relocation
/// uses, the loader writes a copy of the library whose entry for that version is marked weak
/// (<c>VER_FLG_WEAK</c>: the loader then only warns), into a per-user cache folder, loads it, and
/// answers TorchSharp's requests for <c>LibTorchSharp</c> with it. A version that some relocation
/// does use cannot be fixed that way: that is MOPT0300, saying which libstdc++ to install.
/// </summary>
public static class TorchSharpLoader
{
    private const string LibraryFileName = "libLibTorchSharp.so";
    private const string LibStdCxx = "libstdc++.so.6";

    private static readonly Lock Gate = new();
    private static bool _loaded;
    private static IntPtr _patchedLibrary;

    /// <summary>
    /// Loads TorchSharp's CPU backend, preparing the patched library first where the machine
    /// needs it. Safe to call many times and from several threads; the work happens once per process.
    /// </summary>
    /// <exception cref="ModelOptException">MOPT0300 when the natives cannot be prepared or loaded; the message says what to install or fix.</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded) return;
            if (OperatingSystem.IsLinux()) PrepareOnLinux();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is NotSupportedException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
            {
                throw new ModelOptException(DiagnosticCode.TorchSharpUnavailable, null,
                    $"TorchSharp's native libraries do not load: {FirstLine(e)} Distillation needs the TorchSharp-cpu package's natives (linux-x64, win-x64 or osx-arm64) next to the worker; restore the package again, or turn distillation off.", e);
            }
            _loaded = true;
        }
    }

    /// <summary>
    /// Writes the copy of <paramref name="originalLibrary"/> that loads against a libstdc++
    /// defining only <paramref name="definedVersions"/>, into <paramref name="cacheRoot"/>, and
    /// returns its path; null when the original needs nothing the libstdc++ lacks. The copy's
    /// folder is named after the original's SHA-256, so the same package always gives the same
    /// path and bytes, and it is written to a temporary file and renamed, so builds racing for it
    /// never see half a file.
    /// </summary>
    internal static string? PreparePatchedCopy(string originalLibrary, IReadOnlyCollection<string> definedVersions, string cacheRoot)
    {
        byte[] bytes = File.ReadAllBytes(originalLibrary);
        var versions = ElfSymbolVersions.Read(bytes);
        var missing = versions.Needed.Where(v => v.Library == LibStdCxx && !v.IsWeak && !definedVersions.Contains(v.Name)).ToArray();
        if (missing.Length == 0) return null;
        var used = missing.Where(versions.IsUsedByRelocation).Select(v => v.Name).ToArray();
        if (used.Length > 0)
        {
            throw new ModelOptException(DiagnosticCode.TorchSharpUnavailable, originalLibrary,
                $"TorchSharp's native library needs {string.Join(", ", used)} of libstdc++, and this machine's libstdc++ (newest {Newest(definedVersions)}) does not have it. " +
                "Install a newer libstdc++6 (the one of GCC 13 or later: Debian 13, Ubuntu 24.04, or a toolchain backport), or turn distillation off.");
        }
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        ElfSymbolVersions.MarkWeak(bytes, missing);
        string folder = Path.Combine(cacheRoot, hash);
        string target = Path.Combine(folder, LibraryFileName);
        if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(bytes)) return target;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $"{LibraryFileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return target;
    }

    /// <summary>The cache folder: <c>$XDG_CACHE_HOME/modelopt/torchsharp</c>, else <c>~/.cache/modelopt/torchsharp</c>, else the temporary folder.</summary>
    internal static string DefaultCacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string root = !string.IsNullOrEmpty(xdg) ? xdg
            : !string.IsNullOrEmpty(home) ? Path.Combine(home, ".cache")
            : Path.GetTempPath();
        return Path.Combine(root, "modelopt", "torchsharp");
    }

    /// <summary>The libstdc++ this process uses, as the kernel maps it (loading it first if nothing has).</summary>
    internal static string? FindProcessLibStdCxx()
    {
        string? path = MappedLibrary(LibStdCxx);
        if (path is null && NativeLibrary.TryLoad(LibStdCxx, out _)) path = MappedLibrary(LibStdCxx);
        return path;
    }

    private static void PrepareOnLinux()
    {
        string? original = FindNative(LibraryFileName);
        // Without the package's natives next to the app TorchSharp looks in its own places
        // (the NuGet cache); its error, if any, becomes MOPT0300 in EnsureLoaded.
        if (original is null) return;
        string? libStdCxx = FindProcessLibStdCxx();
        if (libStdCxx is null) return;
        string? patched;
        try
        {
            var defined = ElfSymbolVersions.Read(File.ReadAllBytes(libStdCxx)).Defined.ToHashSet(StringComparer.Ordinal);
            patched = PrepareWithFallback(original, defined);
        }
        catch (InvalidDataException e)
        {
            throw new ModelOptException(DiagnosticCode.TorchSharpUnavailable, original,
                $"Cannot read the symbol versions of {original} or {libStdCxx}: {e.Message}. Restore the TorchSharp-cpu package again, or turn distillation off.", e);
        }
        // A library from the folders MODELOPT_TORCH_NATIVE names (the distillation package's
        // targets name LibTorch in the NuGet folder) is one TorchSharp's own probe cannot find:
        // it is loaded and handed to TorchSharp the same way as a patched copy.
        if (patched is null && !FromNamedFolders(original)) return;
        patched ??= original;

        // The copy's RUNPATH ($ORIGIN) no longer reaches libtorch, so libtorch is loaded from the
        // package's folder first: the dynamic loader then matches the copy's DT_NEEDED entries
        // against the already loaded libraries' sonames.
        string torchLibrary = Path.Combine(Path.GetDirectoryName(original)!, "libtorch.so");
        if (!File.Exists(torchLibrary)) torchLibrary = FindNative("libtorch.so") ?? torchLibrary;
        if (!NativeLibrary.TryLoad(torchLibrary, out _))
        {
            throw new ModelOptException(DiagnosticCode.TorchSharpUnavailable, torchLibrary,
                $"LibTorch ({torchLibrary}) does not load. Restore the TorchSharp-cpu package (it brings libtorch-cpu-linux-x64) again, or turn distillation off.");
        }
        try
        {
            _patchedLibrary = NativeLibrary.Load(patched);
        }
        catch (DllNotFoundException e)
        {
            throw new ModelOptException(DiagnosticCode.TorchSharpUnavailable, patched,
                $"The prepared copy of TorchSharp's native library does not load: {FirstLine(e)} If the cache folder is on a noexec file system, set XDG_CACHE_HOME to a folder that allows executables.", e);
        }
        var torchAssembly = typeof(torch).Assembly;
        try
        {
            NativeLibrary.SetDllImportResolver(torchAssembly, ResolveLibTorchSharp);
        }
        catch (InvalidOperationException)
        {
            // Someone else set TorchSharp's resolver; the load-context event below still answers.
        }
        // TorchSharp itself asks NativeLibrary.TryLoad("LibTorchSharp", assembly), which does not
        // consult the resolver: its probe of the original fails, and this event answers.
        (AssemblyLoadContext.GetLoadContext(torchAssembly) ?? AssemblyLoadContext.Default).ResolvingUnmanagedDll
            += (_, name) => IsLibTorchSharp(name) ? _patchedLibrary : IntPtr.Zero;
    }

    private static string? PrepareWithFallback(string original, HashSet<string> defined)
    {
        try
        {
            return PreparePatchedCopy(original, defined, DefaultCacheRoot());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string fallback = Path.Combine(Path.GetTempPath(), "modelopt-torchsharp");
            try
            {
                return PreparePatchedCopy(original, defined, fallback);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException)
            {
                throw new ModelOptException(DiagnosticCode.TorchSharpUnavailable, original,
                    $"Cannot write the prepared copy of TorchSharp's native library to {DefaultCacheRoot()} ({e.Message}) or {fallback} ({inner.Message}). Make one of them writable (or set XDG_CACHE_HOME), or turn distillation off.", inner);
            }
        }
    }

    private static IntPtr ResolveLibTorchSharp(string name, Assembly assembly, DllImportSearchPath? searchPath)
        => IsLibTorchSharp(name) ? _patchedLibrary : IntPtr.Zero;

    private static bool IsLibTorchSharp(string name)
        => name is "LibTorchSharp" or LibraryFileName or "libLibTorchSharp";


    /// <summary>The LibTorch version of the TorchSharp-cpu package the distiller is built against (Directory.Packages.props).</summary>
    private const string LibTorchVersion = "2.10.0";

    /// <summary>The folders <see cref="Core.Distillation.IModelDistiller.NativeFoldersVariable"/> names.</summary>
    private static IEnumerable<string> NamedFolders()
        => (Environment.GetEnvironmentVariable(Core.Distillation.IModelDistiller.NativeFoldersVariable) ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Where NuGet extracts TorchSharp's and LibTorch's natives (NUGET_PACKAGES, else
    /// ~/.nuget/packages): a distiller published without natives, or run from the command line,
    /// still finds the restored packages.
    /// </summary>
    private static IEnumerable<string> NuGetFolders()
    {
        string? packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured ? configured
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? Path.Combine(home, ".nuget", "packages") : null;
        if (packages is null) yield break;
        string torchSharpVersion = typeof(torch).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "";
        yield return Path.Combine(packages, "torchsharp", torchSharpVersion, "runtimes", "linux-x64", "native");
        yield return Path.Combine(packages, "libtorch-cpu-linux-x64", LibTorchVersion, "runtimes", "linux-x64", "native");
    }

    private static bool FromNamedFolders(string library)
        => NamedFolders().Concat(NuGetFolders()).Any(f => string.Equals(Path.GetFullPath(Path.GetDirectoryName(library)!).TrimEnd('/'), Path.GetFullPath(f).TrimEnd('/'), StringComparison.Ordinal));

    /// <summary>The first copy of <paramref name="fileName"/> in the folders <see cref="Core.Distillation.IModelDistiller.NativeFoldersVariable"/> names, the folders the host probes for native assets, beside TorchSharp.dll, then NuGet's package folders.</summary>
    private static string? FindNative(string fileName)
    {
        var folders = new List<string>(NamedFolders());
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirectories)
        {
            folders.AddRange(searchDirectories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        }
        foreach (string root in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "" })
        {
            if (root.Length == 0) continue;
            folders.Add(root);
            folders.Add(Path.Combine(root, "runtimes", "linux-x64", "native"));
        }
        folders.AddRange(NuGetFolders());
        return folders.Select(f => Path.Combine(f, fileName)).FirstOrDefault(File.Exists);
    }

    private static string? MappedLibrary(string fileName)
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (string line in File.ReadLines(maps))
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0) continue;
            string path = line[slash..];
            if (Path.GetFileName(path).StartsWith(fileName, StringComparison.Ordinal) && File.Exists(path)) return path;
        }
        return null;
    }

    private static string Newest(IEnumerable<string> versions)
        => versions.Where(v => v.StartsWith("GLIBCXX_", StringComparison.Ordinal))
            .OrderBy(v => Version.TryParse(v["GLIBCXX_".Length..], out var parsed) ? parsed : new Version(0, 0))
            .LastOrDefault() ?? "unknown";

    private static string FirstLine(Exception e)
    {
        string message = (e.InnerException ?? e).Message;
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? message : message[..newline]).Trim().TrimEnd('.') + ".";
    }
}
