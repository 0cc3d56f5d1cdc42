using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX LeakyRelu (6 on): x for x ≥ 0, alpha·x otherwise (alpha 0.01 by default).</summary>
public sealed class LeakyReluConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        float alpha = context.Float("alpha", 0.01f);
        return (inputs, _) => [torch.nn.functional.leaky_relu(inputs[0]!, alpha)];
    }
}
