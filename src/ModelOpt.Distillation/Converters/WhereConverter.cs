using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Where (9 on): picks from X where the condition holds and from Y elsewhere, with broadcasting.</summary>
public sealed class WhereConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Static : InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
        => (inputs, _) => [torch.where(inputs[0]!.to_type(torch.ScalarType.Bool), inputs[1]!, inputs[2]!)];
}
