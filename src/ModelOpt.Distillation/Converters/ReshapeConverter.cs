using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Reshape: the shape is an attribute in opset 1 and an input from 5. A 0 copies the input's
/// dimension (unless <c>allowzero</c>, opset 14), −1 is inferred.
/// </summary>
public sealed class ReshapeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long[]? attribute = context.Opset < 5 ? context.Ints("shape") ?? throw context.Unsupported("no shape attribute") : null;
        bool allowZero = context.Int("allowzero", 0) != 0;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long[] shape = attribute is null ? TensorValues.Longs(inputs[1]!) : (long[])attribute.Clone();
            if (!allowZero)
            {
                for (int i = 0; i < shape.Length; i++)
                {
                    if (shape[i] == 0) shape[i] = x.shape[i];
                }
            }
            return [x.reshape(shape)];
        };
    }
}
