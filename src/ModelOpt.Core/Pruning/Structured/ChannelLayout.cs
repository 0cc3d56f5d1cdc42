namespace ModelOpt.Core.Pruning.Structured;

/// <summary>A run of <paramref name="Count"/> channels that belong to channel space <paramref name="Space"/>.</summary>
internal readonly record struct ChannelSegment(int Space, int Count);

/// <summary>
/// Which channel spaces a tensor's channel axis is made of. One segment for a layer's output;
/// several after a Concat along the channel axis, in order. The axis is counted from the end
/// (<paramref name="AxisFromEnd"/>) because the rank is not always known while broadcasting
/// constants align from the end anyway (ONNX Broadcasting.md). After Flatten each channel owns
/// <paramref name="Spatial"/> consecutive features (H·W); −1 means "not known yet", resolved by
/// the fully connected layer that reads it from its weight's input size.
/// </summary>
internal sealed record ChannelLayout(IReadOnlyList<ChannelSegment> Segments, int AxisFromEnd, int? Rank, int Spatial)
{
    /// <summary>Total channels on the axis.</summary>
    public int Channels => Segments.Sum(s => s.Count);

    /// <summary>True when the channel axis is axis 1 (NCHW and [N, features] tensors).</summary>
    public bool IsAxisOne => Rank is { } rank && AxisFromEnd == rank - 2;

    /// <summary>True when <paramref name="other"/> splits its channels into segments of the same sizes at the same axis.</summary>
    public bool MatchesShape(ChannelLayout other)
        => AxisFromEnd == other.AxisFromEnd && Spatial == other.Spatial && Segments.Count == other.Segments.Count
           && Segments.Zip(other.Segments).All(p => p.First.Count == p.Second.Count);
}
