using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured;

/// <summary>
/// Where channel space <see cref="Space"/> lives in one constant input of one node: along
/// <see cref="Axis"/>, channel <c>c</c> occupies indices
/// <c>[(Offset + c)·Spatial, (Offset + c + 1)·Spatial)</c>. Removing a channel of the space removes
/// those indices. Weight slices count towards importance; per-channel parameters (biases,
/// normalization statistics) follow along without voting. With <see cref="Period"/> &gt; 0 the
/// axis holds one period of a periodic space (a grouped convolution's weight, whose C/group
/// input columns serve every group): channel <c>c</c> is at <c>(Offset + c) mod Period</c>.
/// </summary>
internal sealed record ChannelSlice(Node Node, int InputIndex, int Axis, int Space, int Offset, int Spatial, bool CountsForImportance, int Period = 0)
{
    /// <summary>The position of channel <paramref name="c"/> on the axis, in channels (times <see cref="Spatial"/> for indices).</summary>
    public int Position(int c) => Period > 0 ? (Offset + c) % Period : Offset + c;
}
