using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>An elementwise operator over any number of broadcast inputs (Sum, Max, Min, Mean), folded pairwise.</summary>
public sealed class VariadicConverter(Func<torch.Tensor, torch.Tensor, torch.Tensor> combine, bool mean = false) : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) =>
    {
        var result = inputs[0]!;
        for (int i = 1; i < inputs.Count; i++) result = combine(result, inputs[i]!);
        return [mean ? result.div(inputs.Count) : result];
    };
}
