using TorchSharp;
using static TorchSharp.torch.nn.functional;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX ConvTranspose (1, 11), 1-D (as 2-D) and 2-D: explicit pads (asymmetric ones by cropping
/// the unpadded result), output_padding, groups, dilations. <c>output_shape</c> and automatic
/// padding are refused (MOPT0302).
/// </summary>
public sealed class ConvTransposeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Weight;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        if (context.Ints("output_shape") is not null) throw context.Unsupported("the output_shape attribute (give pads instead)");
        string autoPad = context.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID")) throw context.Unsupported($"auto_pad={autoPad}");
        long[]? pads = context.Ints("pads");
        long[]? strides = context.Ints("strides");
        long[]? dilations = context.Ints("dilations");
        long[]? outputPadding = context.Ints("output_padding");
        long group = context.Int("group", 1);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            var weight = inputs[1]!;
            var bias = inputs.Count > 2 ? inputs[2] : null;
            int spatial = (int)weight.dim() - 2;
            if (spatial is < 1 or > 2) throw context.Unsupported($"a {spatial}-D transposed convolution (1-D and 2-D are supported)");
            long[] stride = strides ?? ConvConverter.Ones(spatial);
            long[] dilation = dilations ?? ConvConverter.Ones(spatial);
            long[] extra = outputPadding ?? new long[spatial];
            var begin = new long[spatial];
            var end = new long[spatial];
            if (autoPad == "NOTSET" && pads is not null)
            {
                for (int i = 0; i < spatial; i++) (begin[i], end[i]) = (pads[i], pads[i + spatial]);
            }
            bool symmetric = begin.SequenceEqual(end);
            long[] padding = symmetric ? begin : new long[spatial];
            if (spatial == 1)
            {
                x = x.unsqueeze(-1);
                weight = weight.unsqueeze(-1);
                (stride, padding, extra, dilation) = ([stride[0], 1], [padding[0], 0], [extra[0], 0], [dilation[0], 1]);
            }
            var y = conv_transpose2d(x, weight, bias, stride, padding, extra, dilation, group);
            if (spatial == 1) y = y.squeeze(-1);
            if (!symmetric)
            {
                for (int i = 0; i < spatial; i++)
                {
                    long size = y.shape[2 + i];
                    y = y.slice(2 + i, begin[i], size - end[i], 1);
                }
            }
            return [y];
        };
    }
}
