namespace ModelOpt.Core.Pruning.Structured;

/// <summary>A coupled group left whole: the layers creating its channels and why it could not be pruned.</summary>
public sealed record UnprunableGroup(int Group, IReadOnlyList<string> Layers, int Channels, IReadOnlyList<string> Reasons);
