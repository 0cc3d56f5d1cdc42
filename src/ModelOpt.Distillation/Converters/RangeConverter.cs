using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Range (11 on): start, start + delta, … up to (not including) limit, in the inputs' element type.</summary>
public sealed class RangeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) =>
    {
        var start = inputs[0]!;
        double from = TensorValues.Doubles(start)[0];
        double limit = TensorValues.Doubles(inputs[1]!)[0];
        double delta = TensorValues.Doubles(inputs[2]!)[0];
        long count = Math.Max(0, (long)Math.Ceiling((limit - from) / delta));
        return [torch.arange(count, torch.ScalarType.Float64, start.device).mul(delta).add(from).to_type(start.dtype)];
    };
}
