using ModelOpt.Core.Analysis;
using ModelOpt.Core.Graphs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Engine.Planning;

/// <summary>Tells a model's <see cref="ModelKind"/> and the mode recommended for it.</summary>
public static class ModelKinds
{
    /// <summary>
    /// The kind of <paramref name="model"/>, whose cost is <paramref name="cost"/>: by
    /// multiply-accumulates where every Conv, ConvTranspose, MatMul and Gemm has them (fixed
    /// shapes), else by the weights those operators hold (a symbolic image size leaves Conv MACs unknown).
    /// </summary>
    public static ModelKind Of(OnnxModel model, ModelCostReport cost)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cost);
        long convolution = 0, product = 0;
        bool byMacs = cost.IsComplete && cost.Nodes.Where(n => IsConvolution(n.OpType) || IsProduct(n.OpType)).All(n => n.Macs is not null);
        if (byMacs)
        {
            foreach (var node in cost.Nodes)
            {
                if (IsConvolution(node.OpType)) convolution += node.Macs!.Value;
                else if (IsProduct(node.OpType)) product += node.Macs!.Value;
            }
        }
        else
        {
            foreach (var node in model.Graph.AllNodes().Where(n => n.Inputs.Count > 1 && n.Inputs[1] is not null))
            {
                long weights = ConstantValues.TryGetTensor(model, node.Inputs[1]!)?.ElementCount ?? 0;
                if (IsConvolution(node.OpType)) convolution += weights;
                else if (IsProduct(node.OpType)) product += weights;
            }
        }
        return convolution > product ? ModelKind.Convolutional : ModelKind.MatrixProduct;
    }

    /// <summary>
    /// The modes <c>Recommended</c> tries for a model of <paramref name="kind"/>, in order, until
    /// one passes the gate. A conv net whose Static fails gets Float16, not Dynamic: ONNX Runtime
    /// runs Dynamic's ConvInteger ×1.2–5 slower than fp32 on CPUs without VNNI, Float16 at about
    /// ×1.0 (docs/benchmarks.md). For an app that runs the model on CUDA
    /// (<paramref name="target"/> Cuda) every kind gets Float16: ONNX Runtime's CUDA provider runs
    /// it as fp16 GPU kernels, while Dynamic's integer ops have no CUDA kernels and Static's QDQ
    /// runs float kernels between Q/DQ pairs (docs/engine.md, "GPU execution").
    /// </summary>
    public static IReadOnlyList<QuantizeMode> RecommendedModes(ModelKind kind, TargetExecutionProviderKind target = TargetExecutionProviderKind.Cpu)
        => target == TargetExecutionProviderKind.Cuda ? [QuantizeMode.Float16]
            : kind == ModelKind.Convolutional ? [QuantizeMode.Static, QuantizeMode.Float16] : [QuantizeMode.Dynamic];

    private static bool IsConvolution(string opType) => opType is "Conv" or "ConvTranspose";

    private static bool IsProduct(string opType) => opType is "MatMul" or "Gemm";
}
