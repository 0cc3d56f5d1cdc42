using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Gemm (1 on): Y = alpha·A'·B' + beta·C with optional transposes and a broadcast C.</summary>
public sealed class GemmConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Weight;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        float alpha = context.Float("alpha", 1f);
        float beta = context.Float("beta", 1f);
        bool transA = context.Int("transA", 0) != 0;
        bool transB = context.Int("transB", 0) != 0;
        return (inputs, _) =>
        {
            var a = transA ? inputs[0]!.t() : inputs[0]!;
            var b = transB ? inputs[1]!.t() : inputs[1]!;
            var y = a.matmul(b);
            if (alpha != 1f) y = y.mul(alpha);
            if (inputs.Count > 2 && inputs[2] is { } c) y = y.add(beta == 1f ? c : c.mul(beta));
            return [y];
        };
    }
}
