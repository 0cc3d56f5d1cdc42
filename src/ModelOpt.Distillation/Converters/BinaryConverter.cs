using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// An elementwise operator of two inputs with NumPy broadcasting (opset 7 on: Add, Sub, Mul, Div,
/// Pow, comparisons, logic): one converter type, one registration per operator.
/// <paramref name="secondRole"/> is what an initializer in the second slot is (Pow's exponent is static).
/// </summary>
public sealed class BinaryConverter(Func<torch.Tensor, torch.Tensor, torch.Tensor> apply, InputRole secondRole = InputRole.Operand) : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => index == 0 ? InputRole.Operand : secondRole;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context) => (inputs, _) => [apply(inputs[0]!, inputs[1]!)];

    /// <summary>ONNX Div: integer division truncates toward zero (as C++ and ONNX Runtime do), float division is exact.</summary>
    public static torch.Tensor Divide(torch.Tensor a, torch.Tensor b)
        => TensorValues.IsFloat(a.dtype) ? a.div(b) : a.div(b, rounding_mode: torch.RoundingMode.trunc);
}
