using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Split: the part sizes are the <c>split</c> attribute before opset 13 and an optional input
/// from 13; without them the axis is split into as many equal parts as the node has outputs
/// (opset 18's <c>num_outputs</c> makes the last part the smaller one when it does not divide).
/// </summary>
public sealed class SplitConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long axis = context.Int("axis", 0);
        long[]? attribute = context.Opset < 13 ? context.Ints("split") : null;
        int parts = (int)context.Int("num_outputs", context.Node.Outputs.Count);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long a = TensorValues.Axis(axis, x.dim());
            long[]? sizes = attribute ?? (inputs.Count > 1 && inputs[1] is { } given ? TensorValues.Longs(given) : null);
            if (sizes is null || sizes.Length == 0)
            {
                long chunk = (x.shape[a] + parts - 1) / parts;
                sizes = Enumerable.Range(0, parts).Select(i => Math.Max(0, Math.Min(chunk, x.shape[a] - i * chunk))).ToArray();
            }
            return x.split(sizes, a);
        };
    }
}
