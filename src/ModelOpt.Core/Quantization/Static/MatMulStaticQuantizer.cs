using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// MatMul with a constant 2-D B [K, N]: A and B read through DequantizeLinear, B per output
/// column (axis 1) or per tensor. ONNX Runtime's MatMulNodeGroupSelector makes QLinearMatMul of
/// DQ(A), DQ(B) → MatMul → Q, or MatMulIntegerToFloat when the output is not quantized.
/// </summary>
internal sealed class MatMulStaticQuantizer : IStaticOpQuantizer
{
    public string OpType => "MatMul";

    public OutputParameters Output => OutputParameters.Calibrated;

    public bool HasWeights => true;

    public IReadOnlyList<int> ActivationInputs(Node node) => [0];

    public string? WhyNot(StaticQuantizationContext context, Node node)
        => QuantizableWeights.Problem(context.Model, node, 1, minRank: 2, maxRank: 2) ?? context.ActivationProblem(node, 0);

    public (QuantizationGranularity? Granularity, string? Note) QuantizeConstants(StaticQuantizationContext context, Node node, QuantizationParameters input)
    {
        long[] dims = [.. ConstantValues.TryGetTensor(context.Model, node.Inputs[1]!)!.Dims];
        bool perChannel = context.Options.PerChannel;
        var values = QuantizableWeights.ReadFinite(context.Pass, context.Model, node, 1);
        var weight = StaticWeightQuantizer.Quantize(values, perChannel ? (int)dims[1] : 1, perChannel ? 1 : values.Length,
            context.Options.Symmetric, context.WeightBits, bias: null, input.Scale).Weight;
        context.DequantizeWeight(node, 1, weight.Values, dims, weight.Scales, weight.ZeroPoints, perChannel ? 1 : null);
        return (perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null);
    }
}
