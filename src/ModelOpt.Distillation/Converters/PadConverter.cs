using TorchSharp;
using static TorchSharp.torch.nn.functional;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Pad: pads and the constant are attributes before opset 11 and inputs from 11 (with
/// optional axes from 18); modes constant, reflect and edge. Negative pads crop. PyTorch's
/// reflect and replicate pad only the last axes, so the padded axes are moved last for them.
/// </summary>
public sealed class PadConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        string mode = context.String("mode", "constant");
        var torchMode = mode switch
        {
            "constant" => PaddingModes.Constant,
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            _ => throw context.Unsupported($"mode=\"{mode}\""),
        };
        bool fromAttributes = context.Opset < 11;
        long[]? padsAttribute = fromAttributes ? context.Ints("pads") ?? context.Ints("paddings") : null;
        float valueAttribute = context.Float("value", 0f);
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long rank = x.dim();
            long[] given = padsAttribute ?? TensorValues.Longs(inputs[1]!);
            double value = fromAttributes ? valueAttribute : inputs.Count > 2 && inputs[2] is { } c && c.numel() > 0 ? TensorValues.Doubles(c)[0] : 0;
            long[] axes = inputs.Count > 3 && inputs[3] is { } a ? TensorValues.Longs(a).Select(v => TensorValues.Axis(v, rank)).ToArray() : Enumerable.Range(0, (int)rank).Select(i => (long)i).ToArray();
            var begin = new long[rank];
            var end = new long[rank];
            for (int i = 0; i < axes.Length; i++) (begin[axes[i]], end[axes[i]]) = (given[i], given[i + axes.Length]);
            var padded = Enumerable.Range(0, (int)rank).Where(i => begin[i] != 0 || end[i] != 0).Select(i => (long)i).ToArray();
            if (padded.Length == 0) return [x.alias()];
            if (torchMode == PaddingModes.Constant)
            {
                long first = padded[0];
                long[] tail = Enumerable.Range((int)first, (int)(rank - first)).Select(i => (long)i).ToArray();
                return [pad(x, TensorValues.TorchPadList(tail.Select(i => begin[i]).ToArray(), tail.Select(i => end[i]).ToArray()), torchMode, value)];
            }
            if (padded.Length > 3) throw context.Unsupported($"{mode} padding of {padded.Length} axes (at most 3)");
            // Move the padded axes last, fold the others into one leading axis, pad, and undo both.
            long[] others = Enumerable.Range(0, (int)rank).Select(i => (long)i).Where(i => !padded.Contains(i)).ToArray();
            long[] order = [.. others, .. padded];
            var moved = x.permute(order);
            long[] movedShape = moved.shape;
            var folded = moved.reshape([-1, .. movedShape[others.Length..]]);
            var result = pad(folded, TensorValues.TorchPadList(padded.Select(i => begin[i]).ToArray(), padded.Select(i => end[i]).ToArray()), torchMode);
            var unfolded = result.reshape([.. movedShape[..others.Length], .. result.shape[1..]]);
            long[] inverse = new long[rank];
            for (int i = 0; i < rank; i++) inverse[order[i]] = i;
            return [unfolded.permute(inverse)];
        };
    }
}
