using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// MatMul and Gemm with a constant 2-D B. MatMul <c>Y = A·B</c> becomes
/// DynamicQuantizeLinear(A) → MatMulInteger(A_q, B_q, A_zp, B_zp) → Cast → Mul(A_scale·B_scale).
/// Gemm <c>Y = alpha·A'·B' + beta·C</c> (A' = Aᵀ when transA, B' = Bᵀ when transB; ONNX
/// Operators.md, Gemm) is the same product with three additions: transB and alpha are folded into
/// the weight before quantizing (alpha·B' is what gets int8 scales, so alpha never turns a scale
/// negative or zero), transA becomes a Transpose of A, and beta·C becomes the bias Add
/// (precomputed when C is constant, a Mul by beta otherwise). A MatMul is the Gemm with none of
/// them. Per channel means per output column of the [K, N] weight (ONNX MatMulInteger accepts a
/// 1-D b_zero_point of N, and so does ONNX Runtime's CPU kernel; the scales are applied by the
/// Mul, which broadcasts over the last axis).
/// </summary>
internal sealed class MatrixProductQuantizer : IDynamicOpQuantizer
{
    public string? WhyNot(QuantizationContext context, Node node)
        => context.WeightProblem(node, 1, minRank: 2, maxRank: 2) ?? QuantizationContext.ActivationProblem(node);

    public (QuantizationGranularity Granularity, string? Note) Quantize(QuantizationContext context, Node node)
    {
        // MatMul has none of these attributes, so it reads Gemm's defaults: alpha 1, no transposes, no C.
        float alpha = node.GetAttribute("alpha")?.Float ?? 1f;
        float beta = node.GetAttribute("beta")?.Float ?? 1f;
        bool transA = (node.GetAttribute("transA")?.Int ?? 0) != 0;
        bool transB = (node.GetAttribute("transB")?.Int ?? 0) != 0;
        string baseName = GraphEdits.BaseName(node);

        var stored = ConstantValues.TryGetTensor(context.Model, node.Inputs[1]!)!;
        long rows = stored.Dims[0], columns = stored.Dims[1];
        long k = transB ? columns : rows, n = transB ? rows : columns;
        bool perChannel = context.Options.PerChannel;
        // The variant names what was done to B before quantizing, so a weight that nodes read the
        // same way is quantized once: as stored for MatMul; transposed and scaled by alpha for Gemm.
        string variant = perChannel ? "columns" : "tensor";
        if (node.OpType == "Gemm") variant = string.Create(CultureInfo.InvariantCulture, $"{variant}:{(transB ? "T" : "N")}:{BitConverter.SingleToInt32Bits(alpha)}");
        var weight = context.AddQuantizedWeight(node, 1, variant, () => AlphaTimesB(context.ReadWeight(node, 1), rows, columns, transB, alpha),
            [k, n], perChannel ? (int)n : 1, perChannel ? 1 : k * n, perChannel ? [n] : [], context.Options.ReduceRange);

        var a = node.Inputs[0]!;
        if (transA)
        {
            a = context.InsertBefore(node, "Transpose", [a], baseName + "_A_transposed", NodeAttribute.FromInts("perm", [1, 0]));
        }
        var bias = Bias(context, node, beta, baseName);
        var activation = context.QuantizeActivation(node, a, share: false);
        var product = new Node("MatMulInteger", [activation.Quantized, weight.Quantized, activation.ZeroPoint, weight.ZeroPoint],
            [context.Names.Reserve(baseName + "_int32")], node.Name);
        context.ReplaceWithScaledProduct(node, product, activation, weight, bias);
        return (perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null);
    }

    /// <summary>alpha·B', laid out [K, N] row-major as MatMulInteger's B.</summary>
    private static float[] AlphaTimesB(float[] b, long rows, long columns, bool transB, float alpha)
    {
        if (!transB && alpha == 1f) return b;
        var result = new float[b.Length];
        if (!transB)
        {
            for (int i = 0; i < b.Length; i++) result[i] = alpha * b[i];
            return result;
        }
        // B is [N, K]; element (k, n) of B' is B[n, k].
        for (long nIndex = 0; nIndex < rows; nIndex++)
        {
            for (long kIndex = 0; kIndex < columns; kIndex++)
            {
                result[kIndex * rows + nIndex] = alpha * b[nIndex * columns + kIndex];
            }
        }
        return result;
    }

    /// <summary>beta·C as the value to add, or null when there is nothing to add (always for MatMul).</summary>
    private static Value? Bias(QuantizationContext context, Node node, float beta, string baseName)
    {
        var c = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        if (c is null || beta == 0f) return null;
        if (beta == 1f) return c;
        if (ConstantValues.TryGetTensor(context.Model, c) is { ElementType: ElementType.Float } tensor)
        {
            var values = tensor.ToFloatArray();
            for (int i = 0; i < values.Length; i++) values[i] *= beta;
            context.RemoveLaterIfUnused(c);
            return context.AddFloats(node.Graph!, c.Name + "_times_beta", [.. tensor.Dims], values);
        }
        var betaValue = context.AddFloats(node.Graph!, baseName + "_beta", [], [beta]);
        return context.InsertBefore(node, "Mul", [c, betaValue], baseName + "_C_times_beta");
    }
}
