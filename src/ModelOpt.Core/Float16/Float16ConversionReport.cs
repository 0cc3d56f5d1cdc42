using ModelOpt.Core.Quantization;

namespace ModelOpt.Core.Float16;

/// <summary>What one run of <see cref="Float16ConversionPass"/> did: every node that reads or writes FLOAT, and the totals.</summary>
public sealed class Float16ConversionReport : QuantizationReport
{
    /// <summary>Creates the report.</summary>
    public Float16ConversionReport(IReadOnlyList<NodeQuantization> nodes, long? opset, Float16ConversionSummary summary)
        : base(nodes, opset)
    {
        ArgumentNullException.ThrowIfNull(summary);
        Summary = summary;
    }

    /// <summary>Tensors converted, values clamped, casts inserted and removed.</summary>
    public Float16ConversionSummary Summary { get; }
}
