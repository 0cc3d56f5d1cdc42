namespace ModelOpt.Core.Data;

/// <summary>How an image sample is brought to the model's image size (option <c>ImageResize</c>).</summary>
public enum ImageResizeMode
{
    /// <summary>Resize the shorter side to the target, then cut the centre out (the usual classifier preprocessing).</summary>
    Crop,

    /// <summary>Resize to exactly the target size, changing the aspect ratio.</summary>
    Stretch,

    /// <summary>Resize the longer side to the target, keeping the aspect ratio, and pad the rest with black.</summary>
    Pad,
}
