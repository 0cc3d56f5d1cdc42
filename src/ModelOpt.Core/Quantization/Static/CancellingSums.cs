using System.Globalization;
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
    /// <summary>Gains above this keep the layer in float: its input's rounding is then at least this many output steps.</summary>
    public const double Threshold = 32;

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
            double norm = LargestChannelNorm(node, weights);
            double gain = norm * inputRange / outputRange;
            if (gain <= Threshold) continue;
            found[node] = string.Create(CultureInfo.InvariantCulture,
                $"its weighted sums cancel: an output channel's weights have norm {norm:G3}, so rounding its input (range {inputRange:G3}) to 8 bits moves the result by {gain:G3} of its own 8-bit steps (range {outputRange:G3}; above {Threshold}); it and its input stay in float");
        }
        return found;
    }

    private static double Range(ActivationHistogram statistics)
        => statistics.Count == 0 ? 0 : Math.Max(statistics.Max, 0) - Math.Min(statistics.Min, 0);

    /// <summary>The largest Euclidean norm of an output channel's weights: Conv's first axis, MatMul's columns, Gemm's columns (rows with transB).</summary>
    private static double LargestChannelNorm(Node node, Tensor weights)
    {
        if (weights.Dims.Count < 2 || weights.ElementCount == 0 || node.OpType != "Conv" && weights.Dims.Count != 2) return 0;
        var values = weights.ToFloatArray();
        bool rowsAreChannels = node.OpType == "Conv" || node.OpType == "Gemm" && node.GetAttribute("transB")?.Int == 1;
        long channels = rowsAreChannels ? weights.Dims[0] : weights.Dims[^1];
        long perChannel = values.Length / channels;
        double largest = 0;
        for (long c = 0; c < channels; c++)
        {
            double sum = 0;
            for (long k = 0; k < perChannel; k++)
            {
                double w = values[rowsAreChannels ? c * perChannel + k : k * channels + c];
                sum += w * w;
            }
            largest = Math.Max(largest, sum);
        }
        return Math.Sqrt(largest);
    }
}
