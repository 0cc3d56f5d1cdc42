using TorchSharp;
using static TorchSharp.torch.nn.functional;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Conv (1, 11): 1-D (as 2-D with a unit axis), 2-D and 3-D, groups, dilations, explicit
/// or automatic padding. Asymmetric padding is applied by a pad before a convolution without padding.
/// </summary>
public sealed class ConvConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Weight;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        string autoPad = context.String("auto_pad", "NOTSET");
        long[]? pads = context.Ints("pads");
        long[]? strides = context.Ints("strides");
        long[]? dilations = context.Ints("dilations");
        long group = context.Int("group", 1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var weight = inputs[1]!;
            var bias = inputs.Count > 2 ? inputs[2] : null;
            int spatial = (int)weight.dim() - 2;
            long[] kernel = weight.shape[2..];
            long[] stride = strides ?? Ones(spatial);
            long[] dilation = dilations ?? Ones(spatial);
            var (begin, end) = TensorValues.SpatialPads(autoPad, pads, x.shape[2..], kernel, stride, dilation);
            long[] padding = begin;
            if (!begin.SequenceEqual(end))
            {
                x = pad(x, TensorValues.TorchPadList(begin, end));
                padding = new long[spatial];
            }
            return spatial switch
            {
                1 => [conv2d(x.unsqueeze(-1), weight.unsqueeze(-1), bias, [stride[0], 1], [padding[0], 0], [dilation[0], 1], group).squeeze(-1)],
                2 => [conv2d(x, weight, bias, stride, padding, dilation, group)],
                3 => [conv3d(x, weight, bias, stride, padding, dilation, group)],
                _ => throw context.Unsupported($"a {spatial}-D convolution (1-D to 3-D are supported)"),
            };
        };
    }

    internal static long[] Ones(int count) => Enumerable.Repeat(1L, count).ToArray();
}
