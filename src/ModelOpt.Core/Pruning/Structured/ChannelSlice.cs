using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Pruning.Structured;

/// <summary>
/// Where channel space <see cref="Space"/> lives in one constant input of one node: along
/// <see cref="Axis"/>, channel <c>c</c> occupies indices
/// <c>[(Offset + c)·Spatial, (Offset + c + 1)·Spatial)</c>. Removing a channel of the space removes
/// those indices. Weight slices count towards importance; per-channel parameters (biases,
/// normalization statistics) follow along without voting.
/// </summary>
internal sealed record ChannelSlice(Node Node, int InputIndex, int Axis, int Space, int Offset, int Spatial, bool CountsForImportance);
