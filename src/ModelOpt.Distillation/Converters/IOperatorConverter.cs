namespace ModelOpt.Distillation.Converters;

/// <summary>
/// Turns one ONNX operator into TorchSharp code, after onnx2torch's converters: registered in
/// <see cref="OperatorConverters"/> by (domain, operator, since-version); reads and checks the
/// node's attributes once, when the module is built, and returns the kernel that runs it.
/// </summary>
public interface IOperatorConverter
{
    /// <summary>What input <paramref name="index"/> of the operator means for training, at <paramref name="opset"/>.</summary>
    InputRole RoleOf(int index, long opset);

    /// <summary>
    /// The kernel of <paramref name="context"/>'s node. An attribute value or form the converter
    /// does not support is <see cref="ConversionContext.Unsupported"/> (MOPT0302), at build time
    /// when it can be seen then.
    /// </summary>
    NodeKernel Convert(ConversionContext context);
}
