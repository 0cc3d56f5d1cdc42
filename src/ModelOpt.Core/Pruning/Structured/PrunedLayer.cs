namespace ModelOpt.Core.Pruning.Structured;

/// <summary>
/// One layer whose output channels the pass considered: a Conv, Gemm or MatMul that creates
/// channels, or a depthwise Conv that carries its input's. <see cref="KeptChannels"/> are the
/// original indices still present, in order (all of them when nothing was removed).
/// </summary>
public sealed record PrunedLayer(string Node, string OpType, int ChannelsBefore, int ChannelsAfter, IReadOnlyList<int> KeptChannels, int Group);
