using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// MatMul and Gemm with a constant 2-D B: A and B read through DequantizeLinear, B per output
/// column or per tensor. MatMul <c>Y = A·B</c> with B [K, N] is quantized per column on axis 1;
/// ONNX Runtime's MatMulNodeGroupSelector makes QLinearMatMul of DQ(A), DQ(B) → MatMul → Q, or
/// MatMulIntegerToFloat when the output is not quantized. Gemm <c>Y = alpha·A'·B' + beta·C</c>
/// (ONNX Operators.md) is the same with B's column on axis 0 of the stored B when transB; alpha
/// is folded into B and beta into C, and both attributes are set to 1: ONNX Runtime's
/// GemmNodeGroupSelector fuses into QGemm only with beta = 1 and an int32 C, and measured with
/// ONNX Runtime 1.31.1, a Gemm with alpha ≠ 1 stayed unfused. A constant C with N elements becomes
/// int32 with scale a_scale·b_scale[n] (the contrib QGemm's alpha/beta·a_scale·b_scale with both
/// 1). Another C (a matrix, or computed) stays float: correct, but ONNX Runtime then leaves the
/// Gemm unfused. A MatMul is the Gemm without alpha, transB or C.
/// </summary>
internal sealed class MatrixProductStaticQuantizer : IStaticOpQuantizer
{
    public OutputParameters Output => OutputParameters.Calibrated;

    public bool HasWeights => true;

    public IReadOnlyList<int> ActivationInputs(Node node) => [0];

    public string? WhyNot(StaticQuantizationContext context, Node node)
        => context.WeightProblem(node, 1, minRank: 2, maxRank: 2) ?? context.ActivationProblem(node, 0);

    public (QuantizationGranularity? Granularity, string? Note) QuantizeConstants(StaticQuantizationContext context, Node node, QuantizationParameters input)
    {
        // MatMul has none of these attributes, so it reads Gemm's defaults: alpha 1, no transB, no C.
        bool gemm = node.OpType == "Gemm";
        float alpha = node.GetAttribute("alpha")?.Float ?? 1f;
        float beta = node.GetAttribute("beta")?.Float ?? 1f;
        bool transB = (node.GetAttribute("transB")?.Int ?? 0) != 0;
        long[] dims = [.. ConstantValues.TryGetTensor(context.Model, node.Inputs[1]!)!.Dims];
        long n = transB ? dims[0] : dims[1];
        bool perChannel = context.Options.PerChannel;

        var c = gemm && node.Inputs.Count > 2 ? node.Inputs[2] : null;
        var cTensor = c is null ? null : ConstantValues.TryGetTensor(context.Model, c);
        bool intBias = cTensor is { ElementType: ElementType.Float } && cTensor.ElementCount == n && cTensor.Dims.Count is 1 or 2;
        float[]? bias = null;
        if (intBias)
        {
            bias = StaticBias.Read(context, node, 2);
            for (int i = 0; i < bias.Length; i++) bias[i] *= beta;
        }

        var values = context.ReadWeight(node, 1);
        if (alpha != 1f)
        {
            for (int i = 0; i < values.Length; i++) values[i] *= alpha;
        }
        // Per column: with transB the stored B is [N, K] (channel = row), else [K, N] (channel = column).
        var quantized = StaticWeightQuantizer.Quantize(values, perChannel ? (int)n : 1,
            perChannel ? (transB ? dims[1] : 1) : values.Length, context.Options.Symmetric, context.WeightBits, bias, input.Scale);
        // Rows are output columns: B [K, N] holds row r at stride N, B [N, K] (transB) contiguously.
        quantized = context.ErrorCompensated(node, values, quantized, (int)n, transB ? (int)dims[1] : 1, transB ? 1 : (int)n, _ => 0);
        var weight = quantized.Weight;
        context.DequantizeWeight(node, 1, weight.Values, dims, weight.Scales, weight.ZeroPoints, perChannel ? (transB ? 0 : 1) : null);
        if (!gemm) return (perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null);

        SetToOne(node, "alpha");
        string? note = null;
        if (bias is not null)
        {
            context.DequantizeBias(node, 2, quantized.Bias!, [n], quantized.BiasScales!);
            SetToOne(node, "beta");
        }
        else if (c is not null && beta != 0f)
        {
            note = $"its C input '{c.Name}' is not a constant vector of N elements, so it stays float and ONNX Runtime does not fuse the Gemm";
        }
        return (perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, note);
    }

    /// <summary>alpha is now inside B, beta inside C; written explicitly, as ONNX Runtime's selector reads beta.</summary>
    private static void SetToOne(Node node, string attribute)
    {
        node.Attributes.RemoveAll(a => a.Name == attribute);
        node.Attributes.Add(NodeAttribute.FromFloat(attribute, 1f));
    }
}
