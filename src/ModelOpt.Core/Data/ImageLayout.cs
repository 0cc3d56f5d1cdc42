namespace ModelOpt.Core.Data;

/// <summary>Where an image input keeps its channels (option <c>ImageLayout</c>).</summary>
public enum ImageLayout
{
    /// <summary>From the input's declared shape: NHWC when only the last dimension is 3 or 4, else NCHW.</summary>
    Auto,

    /// <summary>Batch, channels, height, width.</summary>
    NCHW,

    /// <summary>Batch, height, width, channels.</summary>
    NHWC,
}
