using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Shape (1 on; <c>start</c>/<c>end</c> from 15): the input's dimensions as a 1-D INT64 tensor.</summary>
public sealed class ShapeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long start = context.Int("start", 0);
        long? end = context.Node.GetAttribute("end")?.Int;
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            long rank = x.dim();
            long from = Math.Clamp(TensorValues.Axis(start, rank), 0, rank);
            long to = end is { } e ? Math.Clamp(TensorValues.Axis(e, rank), 0, rank) : rank;
            long[] dims = x.shape[(int)from..(int)Math.Max(from, to)];
            return [torch.tensor(dims, torch.ScalarType.Int64, x.device)];
        };
    }
}
