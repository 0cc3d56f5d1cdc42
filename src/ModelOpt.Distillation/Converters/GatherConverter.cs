using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Gather (1 on): picks entries of <c>axis</c> by indices of any shape (negative ones count from
/// the end); the output's shape is data[:axis] + indices + data[axis+1:]. The data, when an
/// initializer (an embedding table), is a trainable weight.
/// </summary>
public sealed class GatherConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Weight : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long axis = context.Int("axis", 0);
        return (inputs, _) =>
        {
            var data = inputs[0]!;
            var indices = inputs[1]!.to_type(torch.ScalarType.Int64);
            long a = TensorValues.Axis(axis, data.dim());
            indices = torch.where(indices.lt(0), indices.add(data.shape[a]), indices);
            var picked = data.index_select(a, indices.flatten());
            long[] shape = [.. data.shape[..(int)a], .. indices.shape, .. data.shape[((int)a + 1)..]];
            return [picked.reshape(shape)];
        };
    }
}
