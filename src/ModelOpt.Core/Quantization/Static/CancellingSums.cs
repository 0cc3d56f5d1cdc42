using System.Globalization;
using ModelOpt.Core.Analysis;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// Finds the layers whose weighted sums cancel so much that rounding their input to 8 bits
/// swamps their result: the 8-bit grid of the input adds an error of about
/// <c>‖w_c‖₂ · input step / √12</c> to output channel c (independent roundings add in quadrature),
/// against the output's own rounding of <c>output step / √12</c>. Their ratio, the
/// gain <c>max_c ‖w_c‖₂ · input range / output range</c>, is about 1 for a
/// typical layer; BatchNormalization folded into a depthwise 3×3 convolution can give weights of
/// 50 whose sums are then clipped to [0, 6] by ReLU6 (M-LSD's first depthwise Conv: a gain in the
/// hundreds), and such a layer is wrong in int8 whatever else is done. It stays in float, and so
/// does its input (<see cref="QdqPlan"/>: a layer that feeds only float layers writes float).
/// </summary>
internal static class CancellingSums
{
    /// <summary>
    /// Gains above this keep the layer in float: its input's rounding is then worth at least this
    /// many output steps. Measured on M-LSD (offsets, mean cosine over the held-out photos, Static):
    /// tiny 0.948 without the rule, 0.976 at 128 (its first depthwise Conv, gain 145), 0.886 at 64
    /// and 0.893 at 32 (more depthwise Convs kept, with noisier dense maps); large 0.945, 0.959,
    /// 0.960, 0.972. 128 helps both; ResNet18, BlazeFace and PP-OCR's models have no layer above 32.
    /// </summary>
    public const double Threshold = 128;

    /// <summary>
    /// The quantized layers of <paramref name="plan"/> whose gain exceeds <see cref="Threshold"/>,
    /// with the reason; <paramref name="statistics"/> holds what calibration measured.
    /// </summary>
    public static Dictionary<Node, string> Find(StaticQuantizationContext context, QdqPlan plan, IReadOnlyDictionary<Value, ActivationHistogram> statistics)
    {
        var found = new Dictionary<Node, string>();
        var fusedOutputs = plan.FusedActivations.ToDictionary(p => p.Value, p => p.Key.Outputs[0]!);
        foreach (var (node, quantizer) in plan.Nodes)
        {
            if (!quantizer.HasWeights || node.OpType is not ("Conv" or "MatMul" or "Gemm")) continue;
            var input = plan.ParametersOf(node.Inputs[quantizer.ActivationInputs(node)[0]]!);
            var output = fusedOutputs.GetValueOrDefault(node) ?? node.Outputs[0]!;
            if (!statistics.TryGetValue(input, out var x) || !statistics.TryGetValue(output, out var y)) continue;
            double inputRange = Range(x), outputRange = Range(y);
            if (inputRange <= 0 || outputRange <= 0) continue;
            if (ConstantValues.TryGetTensor(context.Model, node.Inputs[1]!) is not { ElementType: ElementType.Float } weights) continue;
            double norm = OutputChannelNorms.Largest(node, weights, 2);
            double gain = norm * inputRange / outputRange;
            // NaN (non-finite weights) is not a gain: the quantizer reports those weights itself.
            if (!(gain > Threshold)) continue;
            found[node] = string.Create(CultureInfo.InvariantCulture,
                $"its weighted sums cancel: an output channel's weights have norm {norm:G3}, so rounding its input (range {inputRange:G3}) to 8 bits moves the result by {gain:G3} of its own 8-bit steps (range {outputRange:G3}; above {Threshold}); it and its input stay in float");
        }
        return found;
    }

    private static double Range(ActivationHistogram statistics)
        => statistics.Count == 0 ? 0 : Math.Max(statistics.Max, 0) - Math.Min(statistics.Min, 0);
}
