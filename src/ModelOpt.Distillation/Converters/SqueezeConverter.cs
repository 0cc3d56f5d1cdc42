using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Squeeze: axes are an attribute before opset 13 and an optional input from 13; without axes every unit axis goes.</summary>
public sealed class SqueezeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long[]? attribute = context.Opset < 13 ? context.Ints("axes") : null;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long[]? axes = attribute ?? (inputs.Count > 1 && inputs[1] is { } given ? TensorValues.Longs(given) : null);
            axes ??= Enumerable.Range(0, (int)x.dim()).Where(i => x.shape[i] == 1).Select(i => (long)i).ToArray();
            long[] kept = x.shape.Where((_, i) => !axes.Select(a => TensorValues.Axis(a, x.dim())).Contains(i)).ToArray();
            return [x.reshape(kept)];
        };
    }
}
