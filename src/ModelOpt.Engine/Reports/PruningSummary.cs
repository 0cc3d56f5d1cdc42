using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;

namespace ModelOpt.Engine.Reports;

/// <summary>One pruned (or deliberately kept) layer in the report.</summary>
/// <param name="Node">The node's name.</param>
/// <param name="OpType">Its operator.</param>
/// <param name="ChannelsBefore">Output channels before structured pruning; null for magnitude pruning.</param>
/// <param name="ChannelsAfter">Output channels after structured pruning; null for magnitude pruning.</param>
/// <param name="Sparsity">The fraction of the layer's weight that is zero (magnitude) or of its channels removed (structured).</param>
/// <param name="Reason">Why the layer was left as it was; null when it was pruned.</param>
/// <param name="KeptChannels">Structured: the original indices of the channels kept, ascending; null for magnitude pruning.</param>
public sealed record LayerPruning(string Node, string OpType, int? ChannelsBefore, int? ChannelsAfter, double Sparsity, string? Reason, IReadOnlyList<int>? KeptChannels);

/// <summary>What pruning did, in one shape for both modes, for the reports.</summary>
/// <param name="Mode">Magnitude or Structured.</param>
/// <param name="Sparsity">Magnitude: zero weights over all pruned weights. Structured: channels removed over all channels of the channel-creating layers.</param>
/// <param name="Layers">Every layer considered, in graph order.</param>
/// <param name="UnprunableGroups">Structured: groups left whole, each as "layers: reasons".</param>
/// <param name="ZeroFilledOutputs">Structured with PruneOutputChannels: outputs whose removed channels read as zero.</param>
public sealed record PruningSummary(string Mode, double Sparsity, IReadOnlyList<LayerPruning> Layers, IReadOnlyList<string> UnprunableGroups, IReadOnlyList<string> ZeroFilledOutputs)
{
    /// <summary>The summary of a magnitude pruning run.</summary>
    public static PruningSummary From(MagnitudePruningReport report)
        => new("Magnitude", report.Sparsity,
            report.Nodes.Select(n => new LayerPruning(n.NodeName, n.OpType, null, null, n.Sparsity, n.Reason, null)).ToArray(), [], []);

    /// <summary>The summary of a structured pruning run.</summary>
    public static PruningSummary From(StructuredPruningReport report)
    {
        var unprunable = report.UnprunableGroups.ToDictionary(g => g.Group);
        var layers = report.Layers.Select(l => new LayerPruning(
            l.Node, l.OpType, l.ChannelsBefore, l.ChannelsAfter,
            1 - ((double)l.ChannelsAfter / Math.Max(1, l.ChannelsBefore)),
            unprunable.TryGetValue(l.Group, out var g) ? string.Join("; ", g.Reasons) : null,
            l.KeptChannels)).ToArray();
        long before = report.Layers.Sum(l => (long)l.ChannelsBefore), after = report.Layers.Sum(l => (long)l.ChannelsAfter);
        return new("Structured", before == 0 ? 0 : 1 - ((double)after / before), layers,
            report.UnprunableGroups.Select(g => $"{string.Join(", ", g.Layers)}: {string.Join("; ", g.Reasons)}").ToArray(),
            report.ZeroFilledOutputs);
    }
}
