using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX BatchNormalization (1 on; spatial only). In eval mode it normalizes with the running
/// statistics; in training mode with the batch's, and it updates the running statistics in place
/// (they are the module's buffers). ONNX's momentum weighs the old running value
/// (running·m + batch·(1−m)), PyTorch's the new one, so PyTorch gets 1 − m. PyTorch updates the
/// running variance with the unbiased batch variance.
/// </summary>
public sealed class BatchNormalizationConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index switch
    {
        0 => InputRole.Operand,
        1 or 2 => InputRole.Weight,
        _ => InputRole.RunningStatistic,
    };

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        if (context.Opset < 9 && context.Int("spatial", 1) == 0) throw context.Unsupported("spatial=0 (per-activation statistics)");
        float epsilon = context.Float("epsilon", 1e-5f);
        float momentum = context.Float("momentum", 0.9f);
        return (inputs, training) =>
        {
            var (x, scale, bias, mean, variance) = (inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!, inputs[4]!);
            var y = torch.nn.functional.batch_norm(x, mean, variance, scale, bias, training, 1.0 - momentum, epsilon);
            return [y, mean, variance];
        };
    }
}
