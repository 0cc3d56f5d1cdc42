using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Expand (8 on): broadcasts the input against the given shape in both directions (a 1 in the shape keeps the input's dimension).</summary>
public sealed class ExpandConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) =>
    {
        var x = inputs[0]!;
        long[] shape = TensorValues.Longs(inputs[1]!);
        int rank = Math.Max(shape.Length, (int)x.dim());
        var target = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            int fromShape = i - (rank - shape.Length);
            int fromInput = i - (rank - (int)x.dim());
            long s = fromShape >= 0 ? shape[fromShape] : 1;
            long d = fromInput >= 0 ? x.shape[fromInput] : 1;
            target[i] = s == 1 ? d : s;
        }
        return [x.expand(target)];
    };
}
