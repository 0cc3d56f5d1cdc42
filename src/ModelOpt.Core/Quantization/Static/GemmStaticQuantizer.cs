using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// Gemm (<c>Y = alpha·A'·B' + beta·C</c>, ONNX Operators.md) with a constant 2-D B: A and B read
/// through DequantizeLinear, B per output column (axis 0 of the stored B when transB, else axis 1)
/// or per tensor; the attributes stay. A constant C with N elements becomes int32 with scale
/// alpha·a_scale·b_scale[n] after beta is folded into it (beta set to 1): ONNX Runtime's
/// GemmNodeGroupSelector fuses into QGemm only with beta = 1 and an int32 C, whose scale the
/// contrib QGemm defines as alpha/beta·a_scale·b_scale. Another C (a matrix, or computed) stays
/// float: correct, but ONNX Runtime then leaves the Gemm unfused.
/// </summary>
internal sealed class GemmStaticQuantizer : IStaticOpQuantizer
{
    public string OpType => "Gemm";

    public OutputParameters Output => OutputParameters.Calibrated;

    public IReadOnlyList<int> ActivationInputs(Node node) => [0];

    public string? WhyNot(StaticQuantizationContext context, Node node)
        => QuantizableWeights.Problem(context.Model, node, 1, minRank: 2, maxRank: 2) ?? context.ActivationProblem(node, 0);

    public (QuantizationGranularity? Granularity, string? Note) QuantizeConstants(StaticQuantizationContext context, Node node, QuantizationParameters input)
    {
        float alpha = node.GetAttribute("alpha")?.Float ?? 1f;
        float beta = node.GetAttribute("beta")?.Float ?? 1f;
        bool transB = (node.GetAttribute("transB")?.Int ?? 0) != 0;
        long[] dims = [.. ConstantValues.TryGetTensor(context.Model, node.Inputs[1]!)!.Dims];
        long n = transB ? dims[0] : dims[1];
        bool perChannel = context.Options.PerChannel;

        var c = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        var cTensor = c is null ? null : ConstantValues.TryGetTensor(context.Model, c);
        bool intBias = cTensor is { ElementType: ElementType.Float } && cTensor.ElementCount == n && cTensor.Dims.Count is 1 or 2;
        float[]? bias = null;
        if (intBias)
        {
            bias = StaticBias.Read(context, node, 2);
            for (int i = 0; i < bias.Length; i++) bias[i] *= beta;
        }

        var values = QuantizableWeights.ReadFinite(context.Pass, context.Model, node, 1);
        // Per column: with transB the stored B is [N, K] (channel = row), else [K, N] (channel = column).
        var quantized = StaticWeightQuantizer.Quantize(values, perChannel ? (int)n : 1,
            perChannel ? (transB ? dims[1] : 1) : values.Length, context.Options.Symmetric, bias, alpha * input.Scale);
        var weight = quantized.Weight;
        context.DequantizeWeight(node, 1, weight.Values, dims, weight.Scales, weight.ZeroPoints, perChannel ? (transB ? 0 : 1) : null);

        string? note = null;
        if (bias is not null)
        {
            context.DequantizeBias(node, 2, quantized.Bias!, [n], quantized.BiasScales!);
            SetBeta(node);
        }
        else if (c is not null && beta != 0f)
        {
            note = $"its C input '{c.Name}' is not a constant vector of N elements, so it stays float and ONNX Runtime does not fuse the Gemm";
        }
        return (perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, note);
    }

    /// <summary>beta is now inside the int32 C; written explicitly, as ONNX Runtime's selector reads the attribute.</summary>
    private static void SetBeta(Node node)
    {
        node.Attributes.RemoveAll(a => a.Name == "beta");
        node.Attributes.Add(NodeAttribute.FromFloat("beta", 1f));
    }
}
