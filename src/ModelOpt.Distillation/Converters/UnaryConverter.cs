using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>An elementwise operator of one input and no attributes (Relu, Sigmoid, Tanh, Erf, Sqrt, …): one converter type, one registration per operator.</summary>
public sealed class UnaryConverter(Func<torch.Tensor, torch.Tensor> apply) : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) => [apply(inputs[0]!)];
}
