using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX LayerNormalization (17 on): normalizes over the axes from <c>axis</c> (default −1) to the
/// last, then scales and shifts with broadcasting. Its optional Mean and InvStdDev outputs are not
/// produced (refused when read).
/// </summary>
public sealed class LayerNormalizationConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Weight;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        if (context.Node.Outputs.Skip(1).Any(o => o is not null && (o.Uses.Count > 0 || context.Node.Graph?.Outputs.Contains(o) == true)))
        {
            throw context.Unsupported("its Mean or InvStdDev output is read");
        }
        long axis = context.Int("axis", -1);
        float epsilon = context.Float("epsilon", 1e-5f);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long a = TensorValues.Axis(axis, x.dim());
            var y = torch.nn.functional.layer_norm(x, x.shape[(int)a..], null, null, epsilon).mul(inputs[1]!);
            if (inputs.Count > 2 && inputs[2] is { } bias) y = y.add(bias);
            return [y];
        };
    }
}
