using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Concat (4 on): joins the inputs along <c>axis</c>.</summary>
public sealed class ConcatConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long axis = context.Int("axis", long.MinValue);
        if (axis == long.MinValue) throw context.Unsupported("no axis attribute");
        return (inputs, _) =>
        {
            var parts = inputs.Select(t => t!).ToArray();
            return [torch.cat(parts, TensorValues.Axis(axis, parts[0].dim()))];
        };
    }
}
