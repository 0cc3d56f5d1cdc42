namespace ModelOpt.Core.Quantization;

/// <summary>
/// The outcome of a quantization or conversion pass, per node, in graph order: every node of a
/// quantizable operator type, quantized or not, with the reason when it was left in float.
/// Passes with more to tell derive from it (<see cref="Static.StaticQuantizationReport"/>,
/// <see cref="Float16.Float16ConversionReport"/>), so every mode's nodes read the same way.
/// </summary>
public class QuantizationReport
{
    /// <summary>Creates the report.</summary>
    public QuantizationReport(IReadOnlyList<NodeQuantization> nodes, long? opset)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        Nodes = nodes;
        Opset = opset;
    }

    /// <summary>Every node of a quantizable operator type, in graph order (subgraphs after their parent node).</summary>
    public IReadOnlyList<NodeQuantization> Nodes { get; }

    /// <summary>The nodes left in float, with the reason.</summary>
    public IReadOnlyList<NodeQuantization> FloatNodes => Nodes.Where(n => n.Precision == NodePrecision.Float).ToArray();

    /// <summary>How many nodes were quantized.</summary>
    public int QuantizedCount => Nodes.Count(n => n.Precision != NodePrecision.Float);

    /// <summary>
    /// The model's default-domain opset after the pass. An upgrade the pass needed is not the
    /// pass's: <see cref="Passes.PassPipeline"/> runs it and reports it as a result of its own.
    /// </summary>
    public long? Opset { get; }
}
