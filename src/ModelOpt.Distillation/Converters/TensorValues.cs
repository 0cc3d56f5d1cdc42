using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>Reading the small integer tensors that shapes, axes and indices travel in, and the axis arithmetic every converter shares.</summary>
public static class TensorValues
{
    /// <summary>The elements of <paramref name="tensor"/> as 64-bit integers.</summary>
    public static long[] Longs(torch.Tensor tensor)
    {
        using var converted = tensor.detach().cpu().to_type(torch.ScalarType.Int64).contiguous();
        return converted.data<long>().ToArray();
    }

    /// <summary>The elements of <paramref name="tensor"/> as doubles.</summary>
    public static double[] Doubles(torch.Tensor tensor)
    {
        using var converted = tensor.detach().cpu().to_type(torch.ScalarType.Float64).contiguous();
        return converted.data<double>().ToArray();
    }

    /// <summary><paramref name="axis"/> counted from 0 (ONNX lets axes count from the end when negative).</summary>
    public static long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;

    /// <summary>True for the floating-point element types.</summary>
    public static bool IsFloat(torch.ScalarType type)
        => type is torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Float32 or torch.ScalarType.Float64;

    /// <summary>
    /// Spatial padding (begin, end per spatial axis) for <c>auto_pad</c>: SAME_UPPER puts the odd
    /// pixel at the end, SAME_LOWER at the beginning, VALID none; NOTSET uses <paramref name="pads"/>
    /// (ONNX layout: all begins, then all ends). Output size is ceil(input / stride) for SAME (ONNX Conv, "auto_pad").
    /// </summary>
    public static (long[] Begin, long[] End) SpatialPads(string autoPad, long[]? pads, long[] inputSizes, long[] kernel, long[] strides, long[] dilations)
    {
        int n = inputSizes.Length;
        var begin = new long[n];
        var end = new long[n];
        switch (autoPad)
        {
            case "SAME_UPPER" or "SAME_LOWER":
                for (int i = 0; i < n; i++)
                {
                    long output = (inputSizes[i] + strides[i] - 1) / strides[i];
                    long total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inputSizes[i]);
                    long small = total / 2;
                    (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
                }
                break;
            case "VALID":
                break;
            default:
                if (pads is not null)
                {
                    for (int i = 0; i < n; i++) (begin[i], end[i]) = (pads[i], pads[i + n]);
                }
                break;
        }
        return (begin, end);
    }

    /// <summary>TorchSharp's pad list for spatial pads of the last axes: last axis first, begin then end.</summary>
    public static long[] TorchPadList(long[] begin, long[] end)
    {
        var list = new long[begin.Length * 2];
        for (int i = 0; i < begin.Length; i++)
        {
            int axis = begin.Length - 1 - i;
            list[2 * i] = begin[axis];
            list[2 * i + 1] = end[axis];
        }
        return list;
    }
}
