using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// MatMul with a constant 2-D B [K, N]: <c>Y = A·B</c> becomes
/// <c>com.microsoft.MatMulNBits(A, B_q4, scales[, zero_points])</c> with K, N, bits=4 and
/// block_size. MatMulNBits dequantizes <c>(code − zero_point) · scale</c> blockwise along K and
/// multiplies in float (ContribOperators.md); it takes A of any rank with K as the last axis,
/// like MatMul. Activations stay in float: weight-only quantization.
/// </summary>
internal sealed class MatMulNBitsQuantizer : IInt4OpQuantizer
{
    public bool IsCandidate(Int4QuantizationContext context, Node node) => true;

    public string? WhyNot(Int4QuantizationContext context, Node node)
    {
        if (context.WeightProblem(node, 1) is { } problem) return problem;
        var a = node.Inputs[0];
        if (a is null) return "it has no input A";
        // ONNX gives MatMul one type T for A and B, and B is FLOAT, so an undeclared A is FLOAT too.
        var type = ValueTypes.ElementTypeOf(a);
        if (type is not (ElementType.Undefined or ElementType.Float))
        {
            return $"its input '{a.Name}' is {ElementTypes.OnnxName(type)}; the 4-bit form has FLOAT scales, which need a FLOAT input";
        }
        if (ValueTypes.RankOf(a) == 1)
        {
            return $"its input '{a.Name}' is a vector; MatMulNBits keeps the rank of A, while MatMul drops the vector's axis";
        }
        var (k, n) = context.WeightDims(node, 1);
        return context.SizeProblem(node, 1, k, n, () => Int4Layout.ForMatMulNBits((int)k, (int)n, context.Options.BlockSize));
    }

    public void Quantize(Int4QuantizationContext context, Node node)
    {
        var (k, n) = context.WeightDims(node, 1);
        int blockSize = context.Options.BlockSize;
        var weight = context.AddQuantizedWeight(node, 1, Int4Layout.ForMatMulNBits((int)k, (int)n, blockSize));

        Value?[] inputs = weight.ZeroPoints is null
            ? [node.Inputs[0], weight.Data, weight.Scales]
            : [node.Inputs[0], weight.Data, weight.Scales, weight.ZeroPoints];
        var replacement = new Node("MatMulNBits", inputs, [], node.Name, ContribOperators.Domain);
        replacement.Attributes.Add(NodeAttribute.FromInt("K", k));
        replacement.Attributes.Add(NodeAttribute.FromInt("N", n));
        replacement.Attributes.Add(NodeAttribute.FromInt("bits", 4));
        replacement.Attributes.Add(NodeAttribute.FromInt("block_size", blockSize));
        GraphEdits.Replace(node, replacement);
    }
}
