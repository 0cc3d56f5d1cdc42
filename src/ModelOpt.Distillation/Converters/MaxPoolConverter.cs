using TorchSharp;
using static TorchSharp.torch.nn.functional;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX MaxPool (1 on), 1-D (as 2-D) to 3-D: strides, dilations, ceil_mode, explicit or automatic
/// padding. Padding PyTorch cannot express (asymmetric, or over half the kernel) is done by a pad
/// with −∞ first. The Indices output is refused when it is read.
/// </summary>
public sealed class MaxPoolConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        if (context.Node.Outputs.Count > 1 && context.Node.Outputs[1] is { } indices && indices.Uses.Count > 0) throw context.Unsupported("its Indices output is read");
        long[] kernel = context.Ints("kernel_shape") ?? throw context.Unsupported("no kernel_shape attribute");
        string autoPad = context.String("auto_pad", "NOTSET");
        long[]? pads = context.Ints("pads");
        long[] strides = context.Ints("strides") ?? ConvConverter.Ones(kernel.Length);
        long[] dilations = context.Ints("dilations") ?? ConvConverter.Ones(kernel.Length);
        bool ceil = context.Int("ceil_mode", 0) != 0;
        if (kernel.Length is < 1 or > 3) throw context.Unsupported($"{kernel.Length}-D pooling");
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var (begin, end) = TensorValues.SpatialPads(autoPad, pads, x.shape[2..], kernel, strides, dilations);
            long[] padding = begin;
            if (!begin.SequenceEqual(end) || begin.Where((p, i) => p > kernel[i] / 2).Any())
            {
                x = pad(x, TensorValues.TorchPadList(begin, end), PaddingModes.Constant, double.NegativeInfinity);
                padding = new long[kernel.Length];
            }
            return kernel.Length switch
            {
                1 => [max_pool2d(x.unsqueeze(-1), [kernel[0], 1], [strides[0], 1], [padding[0], 0], [dilations[0], 1], ceil).squeeze(-1)],
                2 => [max_pool2d(x, kernel, strides, padding, dilations, ceil)],
                _ => [max_pool3d(x, kernel, strides, padding, dilations, ceil)],
            };
        };
    }
}
