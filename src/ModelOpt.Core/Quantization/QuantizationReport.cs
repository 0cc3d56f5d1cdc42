namespace ModelOpt.Core.Quantization;

/// <summary>
/// The outcome of a quantization pass, per node, in graph order: every node of a quantizable
/// operator type, quantized or not, with the reason when it was left in float.
/// </summary>
public sealed class QuantizationReport
{
    /// <summary>Creates the report.</summary>
    public QuantizationReport(IReadOnlyList<NodeQuantization> nodes, long? upgradedFromOpset, long? opset)
    {
        Nodes = nodes;
        UpgradedFromOpset = upgradedFromOpset;
        Opset = opset;
    }

    /// <summary>Every node of a quantizable operator type, in graph order (subgraphs after their parent node).</summary>
    public IReadOnlyList<NodeQuantization> Nodes { get; }

    /// <summary>The nodes left in float, with the reason.</summary>
    public IReadOnlyList<NodeQuantization> FloatNodes => Nodes.Where(n => n.Precision == NodePrecision.Float).ToArray();

    /// <summary>How many nodes were quantized.</summary>
    public int QuantizedCount => Nodes.Count(n => n.Precision != NodePrecision.Float);

    /// <summary>The model's default-domain opset before the pass upgraded it; null when no upgrade was needed.</summary>
    public long? UpgradedFromOpset { get; }

    /// <summary>The model's default-domain opset after the pass.</summary>
    public long? Opset { get; }
}
