using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// Reads a consumer's built assembly as a file (System.Reflection.Metadata): loading it into the
/// test process would lock it for the rest of the run and could not be undone.
/// </summary>
internal static class BuiltAssembly
{
    /// <summary>The manifest resources embedded in <paramref name="assemblyPath"/>, by name.</summary>
    public static IReadOnlyDictionary<string, byte[]> Resources(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var resources = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            // A non-nil implementation is a resource in another file or assembly, not one embedded here.
            if (!resource.Implementation.IsNil) continue;
            // ECMA-335 II.24.2.4 / II.6.2.2: each embedded resource is a 4-byte length and the bytes, at its offset in the resources directory.
            var block = pe.GetSectionData(directory.RelativeVirtualAddress);
            var reader = block.GetReader((int)resource.Offset, directory.Size - (int)resource.Offset);
            int length = reader.ReadInt32();
            resources.Add(metadata.GetString(resource.Name), reader.ReadBytes(length));
        }
        return resources;
    }
}
