using System.Buffers.Binary;
using System.Text;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// Reads a text sample file (<c>.txt</c>, UTF-8): each non-empty line is one sample, tokenized
/// with <c>Vocabulary</c> (<see cref="TextTokenizer"/>) into the BERT inputs the model has —
/// <c>input_ids</c>, <c>attention_mask</c> (1 for tokens, 0 for padding), <c>token_type_ids</c>
/// (0: one segment) — as INT64 or the input's declared INT32. The length is the model's fixed
/// sequence length when it has one (padded with <c>[PAD]</c>), else the tokenized length, at
/// most <c>MaxSequenceLength</c>.
/// </summary>
internal sealed class TextFile : ISampleFileReader
{
    /// <summary>The input names BERT-style models use, in the order they are made when the model is unknown.</summary>
    public static readonly IReadOnlyList<string> InputNames = ["input_ids", "attention_mask", "token_type_ids"];

    /// <summary>The reader; it holds no state.</summary>
    public static TextFile Instance { get; } = new();

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".txt"];

    /// <inheritdoc/>
    public IEnumerable<Sample> Read(string path, SampleReadContext context)
    {
        var tokenizer = context.Tokenizer ?? throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, path,
            $"text sample file '{path}' needs Vocabulary: set Vocabulary to the model's WordPiece vocab.txt (e.g. Vocabulary=\"vocab.txt\") to tokenize its lines.");
        var inputs = Inputs(path, context);
        string text = Encoding.UTF8.GetString(SampleFileReaders.ReadAll(path));
        string[] lines = text.Split('\n');
        string fileName = Path.GetFileName(path);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0) continue;
            yield return Tokenize(line, $"{fileName}:{i + 1}", path, tokenizer, inputs, context.Options.MaxSequenceLength);
        }
    }

    private static Sample Tokenize(string line, string name, string path, TextTokenizer tokenizer, (string Name, ElementType Type, long? Length)[] inputs, int maxLength)
    {
        long? fixedLength = inputs.Select(i => i.Length).FirstOrDefault(l => l is not null);
        int[] ids = tokenizer.Encode(line, fixedLength is { } f ? (int)f : maxLength);
        int length = fixedLength is { } n ? (int)n : ids.Length;
        var tensors = new SampleTensor[inputs.Length];
        for (int k = 0; k < inputs.Length; k++)
        {
            var (inputName, type, _) = inputs[k];
            var values = new long[length];
            for (int t = 0; t < length; t++)
            {
                values[t] = inputName switch
                {
                    "input_ids" => t < ids.Length ? ids[t] : tokenizer.PaddingId,
                    "attention_mask" => t < ids.Length ? 1 : 0,
                    _ => 0,
                };
            }
            tensors[k] = new SampleTensor(inputName, type, [1, length], Encode(values, type), $"{path}:{name[(name.LastIndexOf(':') + 1)..]}");
        }
        return new Sample(name, tensors);
    }

    /// <summary>The BERT inputs of the model with their types and fixed sequence lengths; all three as INT64 when the model is unknown.</summary>
    private static (string Name, ElementType Type, long? Length)[] Inputs(string path, SampleReadContext context)
    {
        if (context.Inputs.Count == 0) return [.. InputNames.Select(n => (n, ElementType.Int64, (long?)null))];
        var found = context.Inputs.Where(v => InputNames.Contains(v.Name)).ToArray();
        if (!found.Any(v => v.Name == "input_ids"))
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, path,
                $"text sample file '{path}': the model has no input named input_ids (its inputs: {string.Join(", ", context.Inputs.Select(v => v.Name))}); " +
                "text samples feed BERT-style inputs input_ids, attention_mask, token_type_ids. Give this model .npy or .pb samples.");
        }
        var result = new (string, ElementType, long?)[found.Length];
        for (int i = 0; i < found.Length; i++)
        {
            var v = found[i];
            var type = v.ElementType is ElementType.Undefined ? ElementType.Int64 : v.ElementType;
            if (type is not (ElementType.Int64 or ElementType.Int32))
            {
                throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, path,
                    $"text sample file '{path}': model input '{v.Name}' is {ElementTypes.OnnxName(type)}; token inputs are INT64 or INT32. Give this model .npy or .pb samples.");
            }
            long? length = v.Shape is { Count: 2 } shape && shape[1].Size is > 0 and <= int.MaxValue ? shape[1].Size : null;
            result[i] = (v.Name, type, length);
        }
        return result;
    }

    private static byte[] Encode(long[] values, ElementType type)
    {
        int width = type == ElementType.Int64 ? 8 : 4;
        var bytes = new byte[values.Length * width];
        for (int i = 0; i < values.Length; i++)
        {
            if (width == 8) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
            else BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), checked((int)values[i]));
        }
        return bytes;
    }
}
