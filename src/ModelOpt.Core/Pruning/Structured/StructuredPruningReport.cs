namespace ModelOpt.Core.Pruning.Structured;

/// <summary>What <see cref="StructuredPruningPass"/> did: channel counts per layer and the groups it left whole.</summary>
public sealed class StructuredPruningReport
{
    internal StructuredPruningReport(IReadOnlyList<PrunedLayer> layers, IReadOnlyList<UnprunableGroup> unprunable, IReadOnlyList<string> zeroFilledOutputs)
    {
        Layers = layers;
        UnprunableGroups = unprunable;
        ZeroFilledOutputs = zeroFilledOutputs;
    }

    /// <summary>Every channel-creating layer, in graph order; layers of one coupled group share <see cref="PrunedLayer.Group"/>.</summary>
    public IReadOnlyList<PrunedLayer> Layers { get; }

    /// <summary>Groups left whole, with the node and op that prevented pruning.</summary>
    public IReadOnlyList<UnprunableGroup> UnprunableGroups { get; }

    /// <summary>Graph outputs that lost channels and were zero-filled back to their shape (PruneOutputChannels).</summary>
    public IReadOnlyList<string> ZeroFilledOutputs { get; }

    /// <summary>The layer named <paramref name="node"/>.</summary>
    public PrunedLayer Layer(string node) => Layers.Single(l => l.Node == node);
}
