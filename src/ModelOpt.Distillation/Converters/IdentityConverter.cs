using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Identity, and Dropout (1 on), which an exported inference graph runs as identity: the
/// module keeps it so in training mode too, so that a student's forward pass is deterministic
/// (the teacher's dropout already shaped its weights). Dropout's mask output is all true.
/// </summary>
public sealed class IdentityConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) =>
    {
        var x = inputs[0]!;
        return [x.alias(), torch.ones(x.shape, torch.ScalarType.Bool, x.device)];
    };
}
