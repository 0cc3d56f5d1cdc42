using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Tile (6 on): repeats the input <c>repeats[i]</c> times along each axis.</summary>
public sealed class TileConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) => [inputs[0]!.repeat(TensorValues.Longs(inputs[1]!))];
}
