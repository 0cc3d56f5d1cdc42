using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Flatten (1 on): a 2-D matrix [prod(dims before axis), prod(dims from axis)], axis 1 by default.</summary>
public sealed class FlattenConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long axis = context.Int("axis", 1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long a = TensorValues.Axis(axis, x.dim());
            long rows = x.shape[..(int)a].Aggregate(1L, (p, d) => p * d);
            return [x.reshape(rows, -1)];
        };
    }
}
