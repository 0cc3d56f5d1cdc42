using System.Globalization;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.TestUtilities;

/// <summary>
/// Builds a BERT-like transformer encoder (Devlin et al. 2019; post-layer-norm as in BERT):
/// <see cref="Layers"/> layers of multi-head self-attention (MatMul, Softmax) and a GELU
/// feed-forward block, each with a residual Add and LayerNormalization (opset 17). The defaults
/// (4 layers, hidden 512, 8 heads, feed-forward 2048, sequence 128) give 12.6 M weights, 50 MB.
/// Weights are drawn from N(0, 0.02²) as BERT initializes them, biases and layer-norm offsets
/// from the same scale around 0 and 1, all from <see cref="Seed"/>: the same options always give
/// the same model, byte for byte.
/// </summary>
/// <remarks>
/// The input is the embedded sequence <c>hidden_states</c> [batch, sequence, hidden] (FLOAT), or
/// with <see cref="VocabularySize"/> set, token ids <c>input_ids</c> [batch, sequence] (INT64)
/// looked up in a word-embedding table (Gather) plus position embeddings. The batch dimension is
/// the symbol <c>batch</c> unless <see cref="BatchSize"/> fixes it. Nodes are named after their
/// role (<c>layer0.attention.query</c>, <c>layer3.intermediate</c>, <c>embeddings.word</c>), their
/// weights <c>&lt;node&gt;.weight</c>. GELU is written the way exporters write it,
/// <c>x · 0.5 · (1 + erf(x / √2))</c>, which ONNX Runtime fuses into its Gelu kernel.
/// </remarks>
public sealed class TransformerEncoderBuilder
{
    /// <summary>The FLOAT input's name when the model has no embedding table.</summary>
    public const string HiddenStatesInput = "hidden_states";

    /// <summary>The INT64 input's name when the model has an embedding table.</summary>
    public const string TokenIdsInput = "input_ids";

    /// <summary>The output [batch, sequence, hidden].</summary>
    public const string OutputName = "last_hidden_state";

    /// <summary>The symbol of the batch dimension when <see cref="BatchSize"/> is not set.</summary>
    public const string BatchSymbol = "batch";

    /// <summary>The model's ONNX opset: the first with LayerNormalization.</summary>
    public const long Opset = 17;

    /// <summary>Encoder layers.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Width of the hidden states.</summary>
    public int Hidden { get; init; } = 512;

    /// <summary>Attention heads; must divide <see cref="Hidden"/>.</summary>
    public int Heads { get; init; } = 8;

    /// <summary>Width of the feed-forward block's inner layer.</summary>
    public int FeedForward { get; init; } = 2048;

    /// <summary>Tokens per sequence (fixed in the model's shapes).</summary>
    public int SequenceLength { get; init; } = 128;

    /// <summary>A fixed batch size, or null for the symbolic dimension <see cref="BatchSymbol"/>.</summary>
    public int? BatchSize { get; init; }

    /// <summary>0 for a FLOAT hidden-states input; otherwise the rows of a word-embedding table read by token ids.</summary>
    public int VocabularySize { get; init; }

    /// <summary>The seed of every weight.</summary>
    public ulong Seed { get; init; } = 2019;

    /// <summary>Standard deviation of weights, biases, embeddings and layer-norm parameters around their means.</summary>
    public float WeightStandardDeviation { get; init; } = 0.02f;

    /// <summary>The model's input name: <see cref="TokenIdsInput"/> with an embedding table, else <see cref="HiddenStatesInput"/>.</summary>
    public string InputName => VocabularySize > 0 ? TokenIdsInput : HiddenStatesInput;

    /// <summary>The input's shape for a batch of <paramref name="batch"/> sequences.</summary>
    public long[] InputShape(int batch) => VocabularySize > 0 ? [batch, SequenceLength] : [batch, SequenceLength, Hidden];

    /// <summary>Builds the model.</summary>
    public OnnxModel Build()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Heads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FeedForward);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SequenceLength);
        ArgumentOutOfRangeException.ThrowIfNegative(VocabularySize);
        if (Hidden % Heads != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Heads ({Heads}) must divide Hidden ({Hidden})."));
        }
        if (BatchSize is <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "A fixed batch size must be positive.");
        return new EncoderGraphWriter(this).Write();
    }

    /// <summary>Builds the model and writes it to <paramref name="path"/>; returns the path.</summary>
    public string Save(string path)
    {
        using var model = Build();
        OnnxModelWriter.Save(model, path);
        return path;
    }

    /// <summary>Writes <paramref name="count"/> single-sequence hidden-state samples (seeds 0, 1, …) as .npy files into a new <paramref name="folder"/>; returns it.</summary>
    public string WriteHiddenStateSamples(string folder, int count)
    {
        string samples = Directory.CreateDirectory(folder).FullName;
        for (int i = 0; i < count; i++)
        {
            SampleFiles.NpyFloats(Path.Combine(samples, string.Create(CultureInfo.InvariantCulture, $"sample_{i}.npy")), InputShape(1), CreateHiddenStates(1, (ulong)i));
        }
        return samples;
    }

    /// <summary>Embedded-sequence input from N(0, 1), as after an embedding layer norm, for <paramref name="batch"/> sequences.</summary>
    public float[] CreateHiddenStates(int batch, ulong seed)
        => new GaussianRandom(seed).Next(checked(batch * SequenceLength * Hidden));

    /// <summary>Token ids uniform in [0, <see cref="VocabularySize"/>) for <paramref name="batch"/> sequences.</summary>
    public long[] CreateTokenIds(int batch, ulong seed)
    {
        if (VocabularySize == 0) throw new InvalidOperationException("The model has no embedding table; its input is hidden states.");
        var random = new GaussianRandom(seed);
        var ids = new long[batch * SequenceLength];
        for (int i = 0; i < ids.Length; i++) ids[i] = random.NextInt(VocabularySize);
        return ids;
    }
}
