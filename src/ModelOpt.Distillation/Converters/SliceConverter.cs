using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Slice: starts, ends and axes are attributes in opset 1 and inputs (with steps) from 10.
/// Bounds are clamped as the specification says; a negative step walks backwards and is done by
/// an index_select of the computed positions.
/// </summary>
public sealed class SliceConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        bool fromAttributes = context.Opset < 10;
        long[]? startsAttribute = fromAttributes ? context.Ints("starts") : null;
        long[]? endsAttribute = fromAttributes ? context.Ints("ends") : null;
        long[]? axesAttribute = fromAttributes ? context.Ints("axes") : null;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long[] starts = startsAttribute ?? TensorValues.Longs(inputs[1]!);
            long[] ends = endsAttribute ?? TensorValues.Longs(inputs[2]!);
            long[] axes = axesAttribute ?? (inputs.Count > 3 && inputs[3] is { } a ? TensorValues.Longs(a) : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray());
            long[] steps = inputs.Count > 4 && inputs[4] is { } s ? TensorValues.Longs(s) : Enumerable.Repeat(1L, starts.Length).ToArray();
            var y = x;
            for (int i = 0; i < starts.Length; i++)
            {
                long axis = TensorValues.Axis(axes[i], x.dim());
                long size = x.shape[axis];
                long step = steps[i];
                long start = starts[i] < 0 ? starts[i] + size : starts[i];
                long end = ends[i] < 0 ? ends[i] + size : ends[i];
                if (step > 0)
                {
                    start = Math.Clamp(start, 0, size);
                    end = Math.Clamp(end, 0, size);
                    y = y.slice(axis, start, Math.Max(start, end), step);
                }
                else
                {
                    start = Math.Clamp(start, -1, size - 1);
                    end = Math.Clamp(end, -1, size - 1);
                    var positions = new List<long>();
                    for (long p = start; p > end; p += step) positions.Add(p);
                    y = y.index_select(axis, torch.tensor(positions.ToArray(), torch.ScalarType.Int64, x.device));
                }
            }
            return [y];
        };
    }
}
