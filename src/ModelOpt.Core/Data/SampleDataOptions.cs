namespace ModelOpt.Core.Data;

/// <summary>
/// How image and text sample files become model inputs (DESIGN.md §1: <c>ImageSize</c>,
/// <c>ImageResize</c>, <c>ImageScale</c>, <c>ImageMean</c>, <c>ImageStd</c>, <c>ChannelOrder</c>,
/// <c>ImageLayout</c>, <c>Preprocessor</c>, <c>Vocabulary</c>, <c>MaxSequenceLength</c>). Tensor
/// files (<c>.pb</c>, <c>.npy</c>) ignore them. The initializers are the defaults.
/// </summary>
public sealed record SampleDataOptions
{
    /// <summary>The default <see cref="MaxSequenceLength"/>: BERT-style models' usual limit for short texts.</summary>
    public const int DefaultMaxSequenceLength = 128;

    /// <summary>The size images are resized to; null takes the image input's fixed height and width.</summary>
    public ImageSize? ImageSize { get; init; }

    /// <summary>How images are brought to <see cref="ImageSize"/>.</summary>
    public ImageResizeMode ImageResize { get; init; } = ImageResizeMode.Crop;

    /// <summary>Pixel values (0–255) are divided by this before <see cref="ImageMean"/> and <see cref="ImageStd"/>.</summary>
    public float ImageScale { get; init; } = 255;

    /// <summary>Subtracted per colour channel after scaling: one value for all channels, or three (in <see cref="ChannelOrder"/>); empty for none.</summary>
    public IReadOnlyList<float> ImageMean { get; init; } = [];

    /// <summary>Divides per colour channel after <see cref="ImageMean"/>: one value or three; empty for none.</summary>
    public IReadOnlyList<float> ImageStd { get; init; } = [];

    /// <summary>The order of the colour channels.</summary>
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.RGB;

    /// <summary>Where the input keeps its channels.</summary>
    public ImageLayout ImageLayout { get; init; } = ImageLayout.Auto;

    /// <summary>
    /// An ONNX model (full path) that maps the raw image (<c>FLOAT[1,3,H,W]</c>, 0–255, in
    /// <see cref="ChannelOrder"/>) to the model's input, replacing scale, mean, std and layout; null for none.
    /// </summary>
    public string? Preprocessor { get; init; }

    /// <summary>The WordPiece vocabulary (<c>vocab.txt</c>, full path) that tokenizes text samples; null when there are none.</summary>
    public string? Vocabulary { get; init; }

    /// <summary>The most tokens of a text sample, <c>[CLS]</c> and <c>[SEP]</c> included (a model's fixed length wins).</summary>
    public int MaxSequenceLength { get; init; } = DefaultMaxSequenceLength;
}
