using TorchSharp;
using static TorchSharp.torch.nn.functional;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX AveragePool (1 on), 1-D (as 2-D) and 2-D: strides, ceil_mode, count_include_pad, explicit
/// or automatic padding. Padding PyTorch cannot express (asymmetric, or over half the kernel) is
/// done by a zero pad first; without count_include_pad the divisor is then the pooled count of
/// real pixels. Dilations are refused.
/// </summary>
public sealed class AveragePoolConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long[] kernel = context.Ints("kernel_shape") ?? throw context.Unsupported("no kernel_shape attribute");
        if (kernel.Length is < 1 or > 2) throw context.Unsupported($"{kernel.Length}-D average pooling");
        if (context.Ints("dilations") is { } dilations && dilations.Any(d => d != 1)) throw context.Unsupported("dilations");
        string autoPad = context.String("auto_pad", "NOTSET");
        long[]? pads = context.Ints("pads");
        long[] strides = context.Ints("strides") ?? ConvConverter.Ones(kernel.Length);
        bool ceil = context.Int("ceil_mode", 0) != 0;
        bool countPads = context.Int("count_include_pad", 0) != 0;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            bool oneD = kernel.Length == 1;
            var (begin, end) = TensorValues.SpatialPads(autoPad, pads, x.shape[2..], kernel, strides, ConvConverter.Ones(kernel.Length));
            long[] k = oneD ? [kernel[0], 1] : kernel;
            long[] s = oneD ? [strides[0], 1] : strides;
            if (oneD) (x, begin, end) = (x.unsqueeze(-1), [begin[0], 0], [end[0], 0]);
            torch.Tensor y;
            if (begin.SequenceEqual(end) && !begin.Where((p, i) => p > k[i] / 2).Any())
            {
                y = avg_pool2d(x, k, s, begin, ceil, countPads);
            }
            else
            {
                long[] padList = TensorValues.TorchPadList(begin, end);
                y = avg_pool2d(pad(x, padList), k, s, new long[2], ceil, count_include_pad: true);
                if (!countPads)
                {
                    var ones = torch.ones([1, 1, .. x.shape[2..]], x.dtype, x.device);
                    y = y.div(avg_pool2d(pad(ones, padList), k, s, new long[2], ceil, count_include_pad: true));
                }
            }
            return [oneD ? y.squeeze(-1) : y];
        };
    }
}
