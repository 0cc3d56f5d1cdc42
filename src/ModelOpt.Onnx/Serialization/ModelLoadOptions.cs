namespace ModelOpt.Onnx.Serialization;

/// <summary>Limits that keep a malicious or corrupt model from exhausting memory or the stack.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>The defaults.</summary>
    public static ModelLoadOptions Default { get; } = new();

    /// <summary>Deepest nesting of subgraphs (If inside Loop inside …). Real models stay far below.</summary>
    public int MaxSubgraphDepth { get; init; } = 16;

    /// <summary>Most elements one tensor may declare (2^40, about a trillion).</summary>
    public long MaxTensorElements { get; init; } = 1L << 40;
}
