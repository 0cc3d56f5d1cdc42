using ModelOpt.Core.Operators;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// The operators <see cref="StaticQuantizationPass"/> quantizes, from an explicit list: those
/// ONNX Runtime's QDQ transformer fuses into integer kernels on the CPU. Every other operator
/// passes through in float (Relu right after a quantized node is handled by the planner). The
/// pass writes opset 13, where each of these means what it meant in the older models it upgrades,
/// so one registration per operator covers every version.
/// </summary>
internal static class StaticQuantizers
{
    private static readonly MatrixProductStaticQuantizer MatrixProduct = new();
    private static readonly ActivationOpQuantizer AllInputs = new(allInputs: true);
    private static readonly ActivationOpQuantizer FirstInput = new(allInputs: false);
    private static readonly DataMovementOpQuantizer DataMovement = new();

    /// <summary>The registry; an operator without an entry runs in float.</summary>
    public static OperatorRegistry<IStaticOpQuantizer> Registry { get; } = new(
    [
        new("", "Conv", 1, new ConvStaticQuantizer()),
        new("", "MatMul", 1, MatrixProduct),
        new("", "Gemm", 1, MatrixProduct),
        new("", "Add", 1, AllInputs),
        new("", "Concat", 1, AllInputs),
        new("", "AveragePool", 1, FirstInput),
        new("", "GlobalAveragePool", 1, FirstInput),
        new("", "MaxPool", 1, DataMovement),
        new("", "Reshape", 1, DataMovement),
        new("", "Flatten", 1, DataMovement),
    ]);
}
