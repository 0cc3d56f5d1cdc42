namespace ModelOpt.Onnx.Serialization;

/// <summary>Where tensor data goes when a model is saved.</summary>
public enum ExternalDataMode
{
    /// <summary>External when the source model used external data or the inline model would pass the 2 GB protobuf limit.</summary>
    Auto,
    /// <summary>Everything inside the .onnx file (fails above 2 GB).</summary>
    Never,
    /// <summary>Tensors of at least <see cref="ModelSaveOptions.ExternalDataThreshold"/> bytes go to the data file.</summary>
    Always,
}

/// <summary>How <see cref="OnnxModelWriter"/> lays out the saved files.</summary>
public sealed record ModelSaveOptions
{
    /// <summary>The defaults.</summary>
    public static ModelSaveOptions Default { get; } = new();

    /// <summary>Whether large tensors are written to an external data file.</summary>
    public ExternalDataMode ExternalData { get; init; } = ExternalDataMode.Auto;

    /// <summary>Smallest tensor, in bytes, that goes to the external data file.</summary>
    public long ExternalDataThreshold { get; init; } = 1024;

    /// <summary>The data file's name beside the model; default <c>&lt;model file name&gt;.data</c>.</summary>
    public string? ExternalDataFileName { get; init; }

    /// <summary>Inline size above which <see cref="ExternalDataMode.Auto"/> switches to external data (protobuf stops at 2 GB).</summary>
    public long AutoExternalAboveBytes { get; init; } = 1_800_000_000;
}
