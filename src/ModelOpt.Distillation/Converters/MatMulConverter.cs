using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>ONNX MatMul (1 on): NumPy matmul semantics, which torch.matmul shares. Either operand, when an initializer, is a trainable weight.</summary>
public sealed class MatMulConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Weight;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) => [inputs[0]!.matmul(inputs[1]!)];
}
