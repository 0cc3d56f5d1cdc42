using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// Gather from a constant FLOAT table [V, H] along axis 0 (an embedding lookup) becomes
/// <c>com.microsoft.GatherBlockQuantized(table_q4, indices, scales[, zero_points])</c> with UINT8
/// data, bits=4, block_size, gather_axis 0 and quantize_axis 1: each row is blocked along H and
/// packed like MatMulNBits' B, so both operators share one quantizer. ONNX Runtime 1.31.1's CPU
/// kernel runs this form (checked by the tests); its UINT8 form gathers along axis 0 only and
/// quantizes along the last axis (gather_block_quantized.cc), and defaults the zero point to 8.
/// One difference to Gather: an index out of range yields zeros instead of an error.
/// </summary>
internal sealed class EmbeddingGatherQuantizer : IInt4OpQuantizer
{
    public bool IsCandidate(Int4QuantizationContext context, Node node)
    {
        var data = node.Inputs.Count > 0 ? node.Inputs[0] : null;
        if (data is null) return false;
        var tensor = data.Initializer
            ?? (data.Producer is { OpType: "Constant", Domain: "" or "ai.onnx" } constant ? ConstantValues.FromConstantNode(constant) : null);
        return tensor is { ElementType: ElementType.Float, Dims.Count: 2 };
    }

    public string? WhyNot(Int4QuantizationContext context, Node node)
    {
        if (context.WeightProblem(node, 0) is { } problem) return problem;
        long axis = node.GetAttribute("axis")?.Int ?? 0;
        if (axis is not (0 or -2))
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"it gathers along axis {axis}; GatherBlockQuantized with packed 4-bit data gathers rows (axis 0) only");
        }
        var (entries, width) = context.WeightDims(node, 0);
        if (width % 2 != 0)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"its table's rows have an odd length ({width}); GatherBlockQuantized packs two 4-bit values per byte along a row");
        }
        return context.SizeProblem(node, 0, entries, width, () => Int4Layout.ForGatherBlockQuantized((int)entries, (int)width, context.Options.BlockSize));
    }

    public void Quantize(Int4QuantizationContext context, Node node)
    {
        var (entries, width) = context.WeightDims(node, 0);
        int blockSize = context.Options.BlockSize;
        var weight = context.AddQuantizedWeight(node, 0, Int4Layout.ForGatherBlockQuantized((int)entries, (int)width, blockSize));

        Value?[] inputs = weight.ZeroPoints is null
            ? [weight.Data, node.Inputs[1], weight.Scales]
            : [weight.Data, node.Inputs[1], weight.Scales, weight.ZeroPoints];
        var replacement = new Node("GatherBlockQuantized", inputs, [], node.Name, ContribOperators.Domain);
        replacement.Attributes.Add(NodeAttribute.FromInt("bits", 4));
        replacement.Attributes.Add(NodeAttribute.FromInt("block_size", blockSize));
        replacement.Attributes.Add(NodeAttribute.FromInt("gather_axis", 0));
        replacement.Attributes.Add(NodeAttribute.FromInt("quantize_axis", 1));
        GraphEdits.Replace(node, replacement);
    }
}
