using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX ArgMax and ArgMin (1 on): the INT64 index of the extreme along <c>axis</c>; select_last_index is refused.</summary>
public sealed class ArgMaxConverter(bool minimum) : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        if (context.Int("select_last_index", 0) != 0) throw context.Unsupported("select_last_index=1");
        long axis = context.Int("axis", 0);
        bool keep = context.Int("keepdims", 1) != 0;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long a = TensorValues.Axis(axis, x.dim());
            return [minimum ? x.argmin(a, keep) : x.argmax(a, keep)];
        };
    }
}
