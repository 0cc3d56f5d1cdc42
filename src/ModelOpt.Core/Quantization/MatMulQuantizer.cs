using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// MatMul with a constant 2-D B: <c>Y = A·B</c> becomes
/// DynamicQuantizeLinear(A) → MatMulInteger(A_q, B_q, A_zp, B_zp) → Cast → Mul(A_scale·B_scale).
/// Per channel means per output column of B [K, N] (ONNX MatMulInteger accepts a 1-D
/// b_zero_point of N, and so does ONNX Runtime's CPU kernel; the scales are applied by the Mul,
/// which broadcasts over the last axis).
/// </summary>
internal sealed class MatMulQuantizer : IDynamicOpQuantizer
{
    public string OpType => "MatMul";

    public string? WhyNot(QuantizationContext context, Node node)
        => context.WeightProblem(node, 1, minRank: 2, maxRank: 2) ?? QuantizationContext.ActivationProblem(node);

    public (QuantizationGranularity Granularity, string? Note) Quantize(QuantizationContext context, Node node)
    {
        var b = node.Inputs[1]!;
        long[] dims = [.. ConstantValues.TryGetTensor(context.Model, b)!.Dims];
        bool perChannel = context.Options.PerChannel;
        int columns = (int)dims[1];
        var weight = context.AddQuantizedWeight(node, 1, perChannel ? "columns" : "tensor", () => context.ReadWeight(node, 1), dims,
            perChannel ? columns : 1, perChannel ? 1 : dims[0] * dims[1], perChannel ? [columns] : [], context.Options.ReduceRange);

        var activation = context.QuantizeActivation(node, node.Inputs[0]!, share: false);
        var product = new Node("MatMulInteger", [activation.Quantized, weight.Quantized, activation.ZeroPoint, weight.ZeroPoint],
            [context.Names.Reserve(GraphEdits.BaseName(node) + "_int32")], node.Name);
        context.ReplaceWithScaledProduct(node, product, activation, weight, bias: null);
        return (perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null);
    }
}
