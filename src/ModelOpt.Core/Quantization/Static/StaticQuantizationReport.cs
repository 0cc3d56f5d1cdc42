using ModelOpt.Core.Quantization.Static.Calibration;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>What one run of <see cref="StaticQuantizationPass"/> did: the nodes, and the range each calibrated activation got.</summary>
public sealed class StaticQuantizationReport : QuantizationReport
{
    /// <summary>Creates the report.</summary>
    public StaticQuantizationReport(IReadOnlyList<NodeQuantization> nodes, long? opset, IReadOnlyDictionary<string, ActivationRange> activationRanges)
        : base(nodes, opset)
    {
        ArgumentNullException.ThrowIfNull(activationRanges);
        ActivationRanges = activationRanges;
    }

    /// <summary>The range each calibrated activation got, by value name; empty when nothing was quantized.</summary>
    public IReadOnlyDictionary<string, ActivationRange> ActivationRanges { get; }
}
