using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static.Calibration;

/// <summary>
/// Activation ranges without data, from what BatchNormalization learned (as AIMET's data-free
/// quantization does, Nagel et al. 2019 §4.2): a BN output channel c is distributed with mean
/// β_c and standard deviation |γ_c| over the training data, so its values lie within
/// <c>β_c ± <see cref="Sigmas"/>·|γ_c|</c>. The ranges are captured from the BN nodes before
/// folding (a folded Conv writes the BN's output value, under the same name) and carried through
/// Relu, Clip, Add, the pools, Concat and reshapes. Data-free Static calibration measures every
/// activation on generated inputs and takes these ranges instead where they are known: generated
/// images are not photographs, but the BN statistics were measured on real ones.
/// </summary>
public sealed class BatchNormRanges
{
    /// <summary>Standard deviations on each side of the mean a range covers.</summary>
    public const double Sigmas = 6;

    private readonly Dictionary<string, (double Low, double High)> _byValue;

    private BatchNormRanges(Dictionary<string, (double Low, double High)> byValue)
    {
        _byValue = byValue;
    }

    /// <summary>How many BatchNormalization outputs gave a range.</summary>
    public int Count => _byValue.Count;

    /// <summary>The ranges of the inference-mode BN outputs of <paramref name="model"/>'s main graph (constant parameters), by output name.</summary>
    public static BatchNormRanges Capture(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ranges = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (var bn in model.Graph.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Domain.Length == 0))
        {
            if (bn.Inputs.Count < 3 || bn.Outputs.Count == 0 || bn.Outputs[0] is not { } output) continue;
            if (bn.GetAttribute("training_mode") is { Int: not 0 }) continue;
            if (ConstantValues.TryGetTensor(model, bn.Inputs[1]!) is not { ElementType: ElementType.Float } scale
                || ConstantValues.TryGetTensor(model, bn.Inputs[2]!) is not { ElementType: ElementType.Float } shift) continue;
            float[] gamma = scale.ToFloatArray(), beta = shift.ToFloatArray();
            if (gamma.Length != beta.Length || gamma.Length == 0) continue;
            double low = double.PositiveInfinity, high = double.NegativeInfinity;
            for (int c = 0; c < gamma.Length; c++)
            {
                low = Math.Min(low, beta[c] - (Sigmas * Math.Abs(gamma[c])));
                high = Math.Max(high, beta[c] + (Sigmas * Math.Abs(gamma[c])));
            }
            if (double.IsFinite(low) && double.IsFinite(high)) ranges[output.Name] = (low, high);
        }
        return new BatchNormRanges(ranges);
    }

    /// <summary>
    /// The range of every value of <paramref name="model"/> (BN folded or not) that follows from
    /// the captured ones, in graph order: a Relu clips at 0, a Clip at its constant bounds, an Add
    /// adds the bounds, pools, Concat and reshapes keep the (joined) range.
    /// </summary>
    public Dictionary<Value, ActivationRange> Propagate(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var known = new Dictionary<Value, (double Low, double High)>();
        foreach (var node in model.Graph.Nodes)
        {
            if (node.Outputs.Count == 0 || node.Outputs[0] is not { } output) continue;
            if (_byValue.TryGetValue(output.Name, out var captured))
            {
                known[output] = captured;
                continue;
            }
            if (node.Domain.Length != 0 || node.Inputs.Count == 0 || node.Inputs[0] is not { } first || !known.TryGetValue(first, out var input)) continue;
            switch (node.OpType)
            {
                case "Relu":
                    known[output] = (Math.Max(0, input.Low), Math.Max(0, input.High));
                    break;
                case "Clip" when Bound(model, node, 1) is var lo && Bound(model, node, 2) is var hi:
                    known[output] = (Math.Clamp(input.Low, lo ?? double.NegativeInfinity, hi ?? double.PositiveInfinity),
                        Math.Clamp(input.High, lo ?? double.NegativeInfinity, hi ?? double.PositiveInfinity));
                    break;
                case "Add" when node.Inputs.Count == 2 && node.Inputs[1] is { } second && known.TryGetValue(second, out var other):
                    known[output] = (input.Low + other.Low, input.High + other.High);
                    break;
                case "Concat" when node.Inputs.All(i => i is not null && known.ContainsKey(i)):
                    known[output] = (node.Inputs.Min(i => known[i!].Low), node.Inputs.Max(i => known[i!].High));
                    break;
                case "MaxPool" or "AveragePool" or "GlobalAveragePool" or "Reshape" or "Flatten" or "Transpose":
                    known[output] = input;
                    break;
            }
        }
        return known.ToDictionary(p => p.Key, p => new ActivationRange((float)p.Value.Low, (float)p.Value.High));
    }

    private static double? Bound(OnnxModel model, Node clip, int index)
        => index < clip.Inputs.Count && clip.Inputs[index] is { } bound && ConstantValues.TryGetTensor(model, bound) is { ElementCount: 1 } tensor
            ? tensor.ToFloatArray()[0]
            : null;
}
