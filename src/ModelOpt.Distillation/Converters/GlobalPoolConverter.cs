using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX GlobalAveragePool and GlobalMaxPool (1 on): the mean or maximum over every spatial axis, kept as size 1.</summary>
public sealed class GlobalPoolConverter(bool maximum) : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) =>
    {
        var x = inputs[0]!;
        long[] axes = Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray();
        return [maximum ? x.amax(axes, keepdim: true) : x.mean(axes, keepdim: true)];
    };
}
