using Microsoft.ML.Tokenizers;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Core.Data;

/// <summary>
/// BERT WordPiece tokenization of text samples with Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/>
/// over a <c>vocab.txt</c>: lower-casing and accent stripping on (the uncased BERT models'
/// preprocessing), <c>[CLS] … [SEP]</c> around the tokens.
/// </summary>
internal sealed class TextTokenizer
{
    private readonly BertTokenizer _tokenizer;

    private TextTokenizer(BertTokenizer tokenizer) => _tokenizer = tokenizer;

    /// <summary>The id that pads a sequence to a fixed length (<c>[PAD]</c>).</summary>
    public int PaddingId => _tokenizer.PaddingTokenId;

    /// <summary>The tokenizer of <paramref name="vocabulary"/>; a missing or unreadable file is MOPT0001, a file that is no vocabulary MOPT0131.</summary>
    public static TextTokenizer Load(string vocabulary)
    {
        string full = Path.GetFullPath(vocabulary);
        if (!File.Exists(full))
        {
            throw new ModelOptException(DiagnosticCode.FileNotReadable, full,
                $"Vocabulary '{full}' does not exist. Point Vocabulary at the model's WordPiece vocab.txt (one token per line).");
        }
        try
        {
            var options = new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true };
            return new TextTokenizer(BertTokenizer.Create(full, options));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(DiagnosticCode.FileNotReadable, full, $"Vocabulary '{full}' cannot be read: {e.Message}");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, full,
                $"Vocabulary '{full}' is not a WordPiece vocabulary ({e.Message}); it needs one token per line, [CLS], [SEP], [PAD] and [UNK] among them.");
        }
    }

    /// <summary>
    /// The ids of <paramref name="text"/>: <c>[CLS]</c>, at most <paramref name="maxLength"/> − 2
    /// word pieces (the rest is cut, as BERT's truncation does), <c>[SEP]</c>.
    /// </summary>
    public int[] Encode(string text, int maxLength)
    {
        var pieces = _tokenizer.EncodeToIds(text, addSpecialTokens: false);
        int kept = Math.Min(pieces.Count, Math.Max(0, maxLength - 2));
        var ids = new int[kept + 2];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (int i = 0; i < kept; i++) ids[i + 1] = pieces[i];
        ids[^1] = _tokenizer.SeparatorTokenId;
        return ids;
    }
}
