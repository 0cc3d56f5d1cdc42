using ModelOpt.Distillation.Execution;
using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX ConstantOfShape (9 on): a tensor of the given shape filled with the one-element <c>value</c> (FLOAT 0 by default).</summary>
public sealed class ConstantOfShapeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        var fill = context.TensorAttribute("value") is { } tensor ? TensorConversion.ToTorch(tensor).reshape(1) : torch.zeros(1);
        var type = fill.dtype;
        var value = context.AddConstant(fill);
        return (inputs, _) =>
        {
            long[] shape = TensorValues.Longs(inputs[0]!);
            var source = value();
            return [source.reshape(Enumerable.Repeat(1L, shape.Length).ToArray()).expand(shape).to_type(type).clone()];
        };
    }
}
