using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Clip: the bounds are attributes <c>min</c>/<c>max</c> up to opset 6 and optional inputs
/// from opset 11 (ReLU6 is Clip(0, 6)). The bounds are constants of the formula, not weights.
/// </summary>
public sealed class ClipConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        if (context.Opset < 11)
        {
            float min = context.Float("min", float.MinValue);
            float max = context.Float("max", float.MaxValue);
            return (inputs, _) => [inputs[0]!.clamp(min, max)];
        }
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var min = inputs.Count > 1 ? inputs[1] : null;
            var max = inputs.Count > 2 ? inputs[2] : null;
            if (min is null && max is null) return [x.alias()];
            return [x.clamp(min, max)];
        };
    }
}
