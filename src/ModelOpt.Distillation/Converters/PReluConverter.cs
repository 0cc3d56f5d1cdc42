using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX PRelu (7 on): x for x ≥ 0, slope·x otherwise, the slope broadcast to x; the slope is a trainable weight.</summary>
public sealed class PReluConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Weight;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) =>
    {
        var x = inputs[0]!;
        return [torch.where(x.ge(0), x, x.mul(inputs[1]!))];
    };
}
