using ModelOpt.Core.Operators;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// The operators <see cref="StaticQuantizationPass"/> quantizes, from an explicit list: those
/// ONNX Runtime's QDQ transformer fuses into integer kernels on the CPU, or whose
/// DequantizeLinear/QuantizeLinear pair it drops to run them on the 8-bit data — measured per
/// operator on ONNX Runtime 1.31.1 by OnnxRuntimeFusionTests, which also checks that the
/// operators left out (HardSigmoid, HardSwish, linear Resize, Pad, ReduceMean, a Clip on its
/// own) still run in float between the pair, where quantizing them would only add rounding. Every other operator
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
        new("", "Sigmoid", 1, FirstInput),
        new("", "LeakyRelu", 1, FirstInput),
        new("", "MaxPool", 1, DataMovement),
        new("", "Reshape", 1, DataMovement),
        new("", "Flatten", 1, DataMovement),
        new("", "Transpose", 1, DataMovement),
        new("", "Squeeze", 1, DataMovement),
        new("", "Unsqueeze", 1, DataMovement),
        new("", "Slice", 1, DataMovement),
        new("", "Resize", 1, DataMovement),
    ]);
}
