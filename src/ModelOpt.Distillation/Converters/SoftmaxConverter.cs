using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Softmax and LogSoftmax. Before opset 13 the input is read as a 2-D matrix
/// [prod(dims before axis), prod(dims from axis)] and normalized per row (axis 1 by default);
/// from 13 on the operator normalizes along one axis (-1 by default), as PyTorch does.
/// </summary>
public sealed class SoftmaxConverter(bool logarithm, bool coerceTo2D) : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long axis = context.Int("axis", coerceTo2D ? 1 : -1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long a = TensorValues.Axis(axis, x.dim());
            if (!coerceTo2D) return [Normalize(x, a)];
            long rows = x.shape[..(int)a].Aggregate(1L, (p, d) => p * d);
            return [Normalize(x.reshape(rows, -1), 1).reshape(x.shape)];
        };
    }

    private torch.Tensor Normalize(torch.Tensor x, long axis) => logarithm ? x.log_softmax(axis) : x.softmax(axis);
}
