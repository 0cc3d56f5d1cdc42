using ModelOpt.Core.Operators;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// The operator quantizers of <see cref="DynamicQuantizationPass"/>, from an explicit list. Each
/// handles every version of its operator the pass meets: the pass writes opset 11 operators, and
/// MatMul, Gemm, Conv and Gather mean the same there as in the opset 7 to 10 models it upgrades.
/// </summary>
internal static class DynamicQuantizers
{
    private static readonly MatrixProductQuantizer MatrixProduct = new();

    /// <summary>The registry; an operator without an entry is passed through in float.</summary>
    public static OperatorRegistry<IDynamicOpQuantizer> Registry { get; } = new(
    [
        new("", "MatMul", 1, MatrixProduct),
        new("", "Gemm", 1, MatrixProduct),
        new("", "Conv", 1, new ConvQuantizer()),
        new("", "Gather", 1, new EmbeddingQuantizer()),
        new("", "LSTM", 1, new RecurrentQuantizer()),
    ]);
}
