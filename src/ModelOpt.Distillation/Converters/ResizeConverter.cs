using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Resize (10 on; Upsample's successor), modes nearest and linear, done one axis at a time
/// by gathering source positions, so every coordinate transformation mode (half_pixel,
/// pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn) and nearest rounding mode
/// matches ONNX Runtime exactly, and linear stays differentiable. Linear reads clamp source
/// positions to the input, as ONNX Runtime does. Cubic, tf_crop_and_resize, antialias and the
/// <c>axes</c> attribute are refused (MOPT0302).
/// </summary>
public sealed class ResizeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        string mode = context.String("mode", "nearest");
        if (mode is not ("nearest" or "linear")) throw context.Unsupported($"mode=\"{mode}\"");
        bool opset10 = context.Opset < 11;
        string transform = opset10 ? "asymmetric" : context.String("coordinate_transformation_mode", "half_pixel");
        if (transform is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_half_pixel_for_nn"))
        {
            throw context.Unsupported($"coordinate_transformation_mode=\"{transform}\"");
        }
        // Resize-10's nearest is ONNX Runtime's "simple" rounding: ceil when shrinking, floor otherwise.
        string nearest = opset10 ? "simple" : context.String("nearest_mode", "round_prefer_floor");
        if (context.Int("antialias", 0) != 0) throw context.Unsupported("antialias=1");
        if (context.Ints("axes") is not null) throw context.Unsupported("the axes attribute");
        if (context.Int("exclude_outside", 0) != 0) throw context.Unsupported("exclude_outside=1");
        string policy = context.String("keep_aspect_ratio_policy", "stretch");
        if (policy != "stretch") throw context.Unsupported($"keep_aspect_ratio_policy=\"{policy}\"");
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long rank = x.dim();
            torch.Tensor? scalesInput = opset10 ? inputs[1] : inputs.Count > 2 ? inputs[2] : null;
            torch.Tensor? sizesInput = !opset10 && inputs.Count > 3 ? inputs[3] : null;
            double[] scales;
            long[] sizes;
            if (sizesInput is not null && sizesInput.numel() > 0)
            {
                sizes = TensorValues.Longs(sizesInput);
                scales = Enumerable.Range(0, (int)rank).Select(i => (double)sizes[i] / x.shape[i]).ToArray();
            }
            else
            {
                if (scalesInput is null || scalesInput.numel() == 0) throw context.Unsupported("neither scales nor sizes");
                scales = TensorValues.Doubles(scalesInput);
                sizes = Enumerable.Range(0, (int)rank).Select(i => (long)Math.Floor(x.shape[i] * (double)(float)scales[i])).ToArray();
            }
            var y = x;
            for (int axis = 0; axis < rank; axis++)
            {
                if (sizes[axis] == x.shape[axis] && scales[axis] == 1) continue;
                y = ResizeAxis(y, axis, sizes[axis], (float)scales[axis], mode, transform, nearest);
            }
            return [y];
        };
    }

    private static torch.Tensor ResizeAxis(torch.Tensor x, int axis, long outputSize, float scale, string mode, string transform, string nearest)
    {
        long inputSize = x.shape[axis];
        var source = new float[outputSize];
        for (long i = 0; i < outputSize; i++) source[i] = SourceCoordinate(i, scale, inputSize, outputSize, transform);
        if (mode == "nearest")
        {
            long[] picked = source.Select(s => Math.Clamp(Nearest(s, nearest, scale < 1), 0, inputSize - 1)).ToArray();
            return x.index_select(axis, torch.tensor(picked, torch.ScalarType.Int64, x.device));
        }
        var low = new long[outputSize];
        var high = new long[outputSize];
        var weight = new float[outputSize];
        for (long i = 0; i < outputSize; i++)
        {
            float s = Math.Clamp(source[i], 0, inputSize - 1);
            low[i] = (long)s;
            high[i] = Math.Min(low[i] + 1, inputSize - 1);
            weight[i] = s - low[i];
        }
        long[] weightShape = Enumerable.Range(0, (int)x.dim()).Select(d => d == axis ? outputSize : 1L).ToArray();
        var w = torch.tensor(weight, weightShape, x.dtype, x.device);
        var a = x.index_select(axis, torch.tensor(low, torch.ScalarType.Int64, x.device));
        var b = x.index_select(axis, torch.tensor(high, torch.ScalarType.Int64, x.device));
        return a.add(b.sub(a).mul(w));
    }

    // ONNX Resize, "coordinate_transformation_mode": output coordinate → input coordinate, in
    // float as ONNX Runtime computes it.
    private static float SourceCoordinate(long i, float scale, long inputSize, long outputSize, string transform) => transform switch
    {
        "half_pixel" => (i + 0.5f) / scale - 0.5f,
        "pytorch_half_pixel" => outputSize > 1 ? (i + 0.5f) / scale - 0.5f : 0f,
        "align_corners" => outputSize == 1 ? 0f : i * (float)(inputSize - 1) / (outputSize - 1),
        "tf_half_pixel_for_nn" => (i + 0.5f) / scale,
        _ => i / scale,
    };

    private static long Nearest(float x, string mode, bool shrinking) => mode switch
    {
        "round_prefer_ceil" => (long)Math.Round(x, MidpointRounding.AwayFromZero),
        "floor" => (long)Math.Floor(x),
        "ceil" => (long)Math.Ceiling(x),
        "simple" => shrinking ? (long)Math.Ceiling(x) : (long)x,
        _ => x == (long)x + 0.5f ? (long)x : (long)Math.Round(x, MidpointRounding.AwayFromZero),
    };
}
