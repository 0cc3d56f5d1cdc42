namespace ModelOpt.Core.Data;

/// <summary>The order of the colour channels an image model takes (option <c>ChannelOrder</c>).</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue.</summary>
    RGB,

    /// <summary>Blue, green, red (OpenCV- and Caffe-trained models).</summary>
    BGR,
}
