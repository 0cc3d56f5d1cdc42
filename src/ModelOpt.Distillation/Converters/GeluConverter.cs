using TorchSharp;
using TorchSharp.Modules;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Gelu (20 on): the exact form (erf) or, with <c>approximate="tanh"</c>, the tanh approximation.</summary>
public sealed class GeluConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        string approximate = context.String("approximate", "none");
        var mode = approximate switch
        {
            "none" => GELU.Approximate.none,
            "tanh" => GELU.Approximate.tanh,
            _ => throw context.Unsupported($"approximate=\"{approximate}\""),
        };
        return (inputs, _) => [torch.nn.functional.gelu(inputs[0]!, mode)];
    }
}
