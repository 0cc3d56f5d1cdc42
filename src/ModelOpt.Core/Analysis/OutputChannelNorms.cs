using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Analysis;

/// <summary>
/// Norms of the weights that make one output channel of a Conv (W's first axis), MatMul (B's
/// columns) or Gemm (B's columns, rows with transB): how much the rounding of the layer's input
/// can move one of its results. The Float16 range check and Static's cancelling-sums rule read them.
/// </summary>
public static class OutputChannelNorms
{
    /// <summary>
    /// The largest norm over the output channels of <paramref name="node"/>'s weights
    /// <paramref name="weights"/>: Σ|w| for <paramref name="order"/> 1 (errors of one sign, the worst
    /// case), √Σw² for 2 (independent errors); 0 when the weights have no channel layout this knows.
    /// </summary>
    public static double Largest(Node node, Tensor weights, int order)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, 2);
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
                sum += order == 1 ? Math.Abs(w) : w * w;
            }
            largest = Math.Max(largest, sum);
        }
        return order == 1 ? largest : Math.Sqrt(largest);
    }
}
