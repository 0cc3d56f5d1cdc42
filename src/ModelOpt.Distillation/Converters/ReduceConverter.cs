using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX ReduceMean, ReduceSum, ReduceMax, ReduceMin: axes are an attribute until the operator's
/// <paramref name="axesInputSince"/> opset (13 for ReduceSum, 18 for the others) and an optional
/// input after; no axes reduce everything unless <c>noop_with_empty_axes</c>. keepdims defaults to 1.
/// </summary>
public sealed class ReduceConverter(Func<torch.Tensor, long[], bool, torch.Tensor> reduce, long axesInputSince) : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        bool axesFromInput = context.Opset >= axesInputSince;
        long[]? attribute = axesFromInput ? null : context.Ints("axes");
        bool keep = context.Int("keepdims", 1) != 0;
        bool noop = context.Int("noop_with_empty_axes", 0) != 0;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long[]? axes = attribute ?? (axesFromInput && inputs.Count > 1 && inputs[1] is { } given ? TensorValues.Longs(given) : null);
            if (axes is null || axes.Length == 0)
            {
                if (noop) return [x.alias()];
                axes = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
            }
            return [reduce(x, axes.Select(a => TensorValues.Axis(a, x.dim())).ToArray(), keep)];
        };
    }
}
