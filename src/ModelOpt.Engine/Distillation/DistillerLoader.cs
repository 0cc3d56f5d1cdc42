using System.Reflection;
using ModelOpt.Core.Distillation;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Engine.Distillation;

/// <summary>
/// Finds the distiller, which ships apart from the worker (the <c>ModelOpt.Build.Distillation</c>
/// package, with TorchSharp and libtorch) so that builds that never distill never download or
/// load libtorch. The folder holding <see cref="AssemblyFileName"/> is the first that is set of: the
/// job (the package's targets pass it as <c>--distiller</c>), the environment variable
/// <see cref="EnvironmentVariable"/>, or the worker's own folder (a worker built together with the
/// distiller, as in this repository's tests).
/// </summary>
public static class DistillerLoader
{
    /// <summary>The distiller's assembly.</summary>
    public const string AssemblyFileName = "ModelOpt.Distillation.dll";

    /// <summary>The environment variable that can name the distiller's folder outside MSBuild.</summary>
    public const string EnvironmentVariable = "MODELOPT_DISTILLER";

    /// <summary>The package users add to distill.</summary>
    public const string PackageId = "ModelOpt.Build.Distillation";

    private static readonly Dictionary<string, IModelDistiller> Loaded = new(StringComparer.Ordinal);


    /// <summary>
    /// The distiller in <paramref name="folder"/> (or the fallbacks in the class remarks); none
    /// found is <see cref="DiagnosticCode.DistillationPackageMissing"/> naming the package to add.
    /// <paramref name="nativeFolders"/> (<c>;</c>-separated), when given, tell it where LibTorch's natives are.
    /// </summary>
    public static IModelDistiller Load(string? folder, string? nativeFolders, string? diagnosticsFile, string subject)
    {
        if (!string.IsNullOrEmpty(nativeFolders))
        {
            // MSBuild lists folders with ';', the loader splits on the platform's path separator.
            Environment.SetEnvironmentVariable(IModelDistiller.NativeFoldersVariable, string.Join(Path.PathSeparator, nativeFolders.Split(';', StringSplitOptions.RemoveEmptyEntries)));
        }
        string? assembly = Candidates(folder).Select(f => Path.Combine(f, AssemblyFileName)).FirstOrDefault(File.Exists);
        if (assembly is null)
        {
            string where = folder is null ? "" : $" (looked in '{folder}')";
            throw new ModelOptException(DiagnosticCode.DistillationPackageMissing, diagnosticsFile,
                $"{subject}: Distill=\"true\" needs the distillation package{where}. Add <PackageReference Include=\"{PackageId}\" Version=\"{ToolVersion}\" /> "
                + $"next to ModelOpt.Build (it brings TorchSharp and libtorch, which builds that do not distill never download); with the modelopt command line, "
                + $"pass --distiller <folder of {AssemblyFileName}> or set {EnvironmentVariable}. Or remove Distill.");
        }
        lock (Loaded)
        {
            string full = Path.GetFullPath(assembly);
            if (!Loaded.TryGetValue(full, out var distiller))
            {
                distiller = Create(full, diagnosticsFile, subject);
                Loaded.Add(full, distiller);
            }
            return distiller;
        }
    }

    private static string ToolVersion => typeof(DistillerLoader).Assembly.GetName().Version?.ToString(3) ?? "0.1.0";

    // The first place that is set is the only one: a folder the user named that lacks the
    // distiller is an error, never silently replaced by another copy.
    private static IEnumerable<string> Candidates(string? folder)
    {
        if (!string.IsNullOrEmpty(folder)) yield return folder;
        else if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } variable) yield return variable;
        else yield return AppContext.BaseDirectory;
    }

    private static IModelDistiller Create(string assemblyPath, string? diagnosticsFile, string subject)
    {
        // In the worker's folder the assembly is one of the worker's own; elsewhere it gets its own context.
        bool own = string.Equals(Path.GetDirectoryName(assemblyPath), Path.GetFullPath(AppContext.BaseDirectory).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);
        var assembly = own ? Assembly.LoadFrom(assemblyPath) : new DistillerLoadContext(assemblyPath).LoadFromAssemblyPath(assemblyPath);
        Type[] types;
        try
        {
            types = assembly.GetExportedTypes();
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or ReflectionTypeLoadException)
        {
            throw new ModelOptException(DiagnosticCode.DistillationPackageMissing, diagnosticsFile,
                $"{subject}: the distiller in '{Path.GetDirectoryName(assemblyPath)}' is incomplete ({e.Message.Split('\n')[0].Trim()}). Restore the {PackageId} package again; outside MSBuild, point --distiller at a published ModelOpt.Distillation (dotnet publish), which holds TorchSharp.dll.", e);
        }
        var type = types.SingleOrDefault(t => typeof(IModelDistiller).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            ?? throw new ModelOptException(DiagnosticCode.DistillationPackageMissing, diagnosticsFile,
                $"{subject}: '{assemblyPath}' has no distiller of this version of ModelOpt.Build; use the {PackageId} package of the same version as ModelOpt.Build ({ToolVersion}).");
        return (IModelDistiller)Activator.CreateInstance(type)!;
    }
}
