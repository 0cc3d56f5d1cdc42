using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>Quantizes one operator type for <see cref="DynamicQuantizationPass"/> (registered in <see cref="DynamicQuantizers"/>).</summary>
internal interface IDynamicOpQuantizer
{
    /// <summary>Whether <paramref name="node"/> is this quantizer's concern at all; a node that is not (a Gather of shapes) is left out of the report.</summary>
    bool IsCandidate(QuantizationContext context, Node node) => true;

    /// <summary>Why <paramref name="node"/> must stay in float, or null when it can be quantized. Changes nothing.</summary>
    string? WhyNot(QuantizationContext context, Node node);

    /// <summary>Replaces <paramref name="node"/> by its integer form; returns the granularity used and, when coarser than asked, why.</summary>
    (QuantizationGranularity Granularity, string? Note) Quantize(QuantizationContext context, Node node);
}
