using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX Transpose (1 on): permutes the axes by <c>perm</c>, reversing them when it is absent.</summary>
public sealed class TransposeConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Operand;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        long[]? perm = context.Ints("perm");
        return (inputs, _) =>
        {
            var x = inputs[0]!;
            return [x.permute(perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray())];
        };
    }
}
