using ModelOpt.Distillation.Execution;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Cast (6 on): to the element type <c>to</c>; float to integer truncates toward zero, as PyTorch's conversion does.</summary>
public sealed class CastConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        var to = (ElementType)context.Int("to", 0);
        var type = TensorConversion.ToScalarType(to) ?? throw context.Unsupported($"a cast to {ElementTypes.OnnxName(to)}");
        return (inputs, _) => [inputs[0]!.to_type(type)];
    }
}
