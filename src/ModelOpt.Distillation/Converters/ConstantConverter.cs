using ModelOpt.Distillation.Execution;
using TorchSharp;

namespace ModelOpt.Distillation.Converters;

/// <summary>
/// ONNX Constant (1 on): its value (the <c>value</c> tensor, or from opset 12 <c>value_float(s)</c>,
/// <c>value_int(s)</c>) becomes a constant buffer of the module. Sparse and string values are refused.
/// </summary>
public sealed class ConstantConverter : IOperatorConverter
{
    /// <inheritdoc/>
    public InputRole RoleOf(int index, long opset) => InputRole.Static;

    /// <inheritdoc/>
    public NodeKernel Convert(ConversionContext context)
    {
        var node = context.Node;
        torch.Tensor value;
        if (context.TensorAttribute("value") is { } tensor)
        {
            if (TensorConversion.ToScalarType(tensor.ElementType) is null) throw context.Unsupported($"a {tensor.ElementType} value");
            value = TensorConversion.ToTorch(tensor);
        }
        else if (node.GetAttribute("value_float") is { } f) value = torch.tensor(f.Float);
        else if (node.GetAttribute("value_floats") is { } fs) value = torch.tensor(fs.Floats.ToArray());
        else if (node.GetAttribute("value_int") is { } i) value = torch.tensor(i.Int);
        else if (node.GetAttribute("value_ints") is { } @is) value = torch.tensor(@is.Ints.ToArray());
        else throw context.Unsupported("a value that is not a dense numeric tensor (sparse, string or missing)");
        var constant = context.AddConstant(value);
        return (_, _) => [constant()];
    }
}
