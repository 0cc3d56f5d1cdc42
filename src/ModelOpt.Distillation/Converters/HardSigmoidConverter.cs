using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX HardSigmoid (6 on): max(0, min(1, alpha·x + beta)), alpha 0.2 and beta 0.5 by default (PyTorch's hardsigmoid is alpha 1/6).</summary>
public sealed class HardSigmoidConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        float alpha = context.Float("alpha", 0.2f);
        float beta = context.Float("beta", 0.5f);
        return (inputs, _) => [inputs[0]!.mul(alpha).add(beta).clamp(0, 1)];
    }
}
