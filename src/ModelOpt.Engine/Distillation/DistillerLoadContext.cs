using System.Reflection;
using System.Runtime.Loader;

namespace ModelOpt.Engine.Distillation;

/// <summary>
/// Loads the distillation assembly and its own dependencies (TorchSharp) from the package's
/// folder, while every assembly the worker already has (ModelOpt.Core, ModelOpt.Onnx,
/// Google.Protobuf, …) comes from the worker, so that the distiller's <c>IModelDistiller</c> and
/// <c>OnnxModel</c> are the worker's own types.
/// </summary>
internal sealed class DistillerLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;
    private readonly string _folder;

    public DistillerLoadContext(string assemblyPath) : base("ModelOpt.Distillation", isCollectible: false)
    {
        _resolver = new AssemblyDependencyResolver(assemblyPath);
        _folder = Path.GetDirectoryName(assemblyPath)!;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // The worker's own assemblies win: shared types must be one type.
        if (File.Exists(Path.Combine(AppContext.BaseDirectory, assemblyName.Name + ".dll"))) return null;
        string? path = _resolver.ResolveAssemblyToPath(assemblyName);
        path ??= Path.Combine(_folder, assemblyName.Name + ".dll") is var local && File.Exists(local) ? local : null;
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
