using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>Rewrites one operator type for <see cref="Int4WeightOnlyQuantizationPass"/> (registered in <see cref="Int4Quantizers"/>).</summary>
internal interface IInt4OpQuantizer
{
    /// <summary>
    /// Whether <paramref name="node"/> is one the report should list at all. A MatMul always is;
    /// a Gather only when it reads a FLOAT matrix, since most Gathers do shape arithmetic and
    /// have no weight to quantize.
    /// </summary>
    bool IsCandidate(Int4QuantizationContext context, Node node);

    /// <summary>Why <paramref name="node"/> must stay in float, or null when it can be quantized. Changes nothing.</summary>
    string? WhyNot(Int4QuantizationContext context, Node node);

    /// <summary>Replaces <paramref name="node"/> by its 4-bit form.</summary>
    void Quantize(Int4QuantizationContext context, Node node);
}
