namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// The operators <see cref="StaticQuantizationPass"/> quantizes, from an explicit list: those
/// ONNX Runtime's QDQ transformer fuses into integer kernels on the CPU. Every other operator
/// passes through in float (Relu right after a quantized node is handled by the planner).
/// </summary>
internal static class StaticQuantizers
{
    private static readonly Dictionary<string, IStaticOpQuantizer> ByOpType = new IStaticOpQuantizer[]
    {
        new ConvStaticQuantizer(),
        new MatMulStaticQuantizer(),
        new GemmStaticQuantizer(),
        new ActivationOpQuantizer("Add", allInputs: true),
        new ActivationOpQuantizer("Concat", allInputs: true),
        new ActivationOpQuantizer("AveragePool", allInputs: false),
        new ActivationOpQuantizer("GlobalAveragePool", allInputs: false),
        new DataMovementOpQuantizer("MaxPool"),
        new DataMovementOpQuantizer("Reshape"),
        new DataMovementOpQuantizer("Flatten"),
    }.ToDictionary(q => q.OpType, StringComparer.Ordinal);

    /// <summary>The quantizer for <paramref name="opType"/>, or null when the operator passes through.</summary>
    public static IStaticOpQuantizer? Find(string opType) => ByOpType.GetValueOrDefault(opType);
}
