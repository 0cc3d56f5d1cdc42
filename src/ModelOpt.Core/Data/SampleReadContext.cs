using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// What the readers of image and text samples need beyond the file: the options that say how to
/// decode and tokenize, the model's inputs (their names, types and fixed dimensions decide the
/// tensors made), and the preprocessor that runs a <c>Preprocessor</c> model. Tensor files need none of it.
/// </summary>
public sealed class SampleReadContext
{
    private readonly Lazy<TextTokenizer>? _tokenizer;

    /// <summary>Creates the context.</summary>
    /// <param name="options">How images and text become tensors.</param>
    /// <param name="inputs">The model's inputs without an initializer, in graph order; empty when no model is known (NCHW RGB images, all three BERT inputs).</param>
    /// <param name="modelPath">The model file, for messages.</param>
    /// <param name="preprocessor">Runs <see cref="SampleDataOptions.Preprocessor"/>; needed only when that is set.</param>
    public SampleReadContext(SampleDataOptions options, IReadOnlyList<Value> inputs, string? modelPath = null, IImagePreprocessor? preprocessor = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(inputs);
        Options = options;
        Inputs = inputs;
        ModelPath = modelPath;
        Preprocessor = preprocessor;
        if (options.Vocabulary is { } vocabulary) _tokenizer = new(() => TextTokenizer.Load(vocabulary));
    }

    /// <summary>The context for tensor files only (and images or text described by defaults alone).</summary>
    public static SampleReadContext TensorsOnly { get; } = new(new SampleDataOptions(), []);

    /// <summary>The context for the inputs of <paramref name="model"/> (graph inputs without an initializer).</summary>
    public static SampleReadContext For(OnnxModel model, SampleDataOptions options, IImagePreprocessor? preprocessor = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(options, [.. model.Graph.Inputs.Where(v => v.Initializer is null)], model.SourcePath, preprocessor);
    }

    /// <summary>How images and text become tensors.</summary>
    public SampleDataOptions Options { get; }

    /// <summary>The model's inputs, in graph order (empty when unknown).</summary>
    public IReadOnlyList<Value> Inputs { get; }

    /// <summary>The model file, for messages.</summary>
    public string? ModelPath { get; }

    /// <summary>Runs the Preprocessor model, or null.</summary>
    public IImagePreprocessor? Preprocessor { get; }

    /// <summary>The tokenizer of <see cref="SampleDataOptions.Vocabulary"/>, loaded once per context; null without a vocabulary.</summary>
    internal TextTokenizer? Tokenizer => _tokenizer?.Value;
}
