using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Unsqueeze: axes (counted in the output's rank) are an attribute before opset 13 and an input from 13.</summary>
public sealed class UnsqueezeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long[]? attribute = context.Opset < 13 ? context.Ints("axes") ?? throw context.Unsupported("no axes attribute") : null;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long[] axes = attribute ?? TensorValues.Longs(inputs[1]!);
            long rank = x.dim() + axes.Length;
            var y = x;
            foreach (long axis in axes.Select(a => TensorValues.Axis(a, rank)).Order()) y = y.unsqueeze(axis);
            return [y];
        };
    }
}
