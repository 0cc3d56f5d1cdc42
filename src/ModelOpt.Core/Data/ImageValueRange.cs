using System.Globalization;
using ModelOpt.Core.Graphs;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// The value range an image input expects, so that generated images are on the scale real
/// ones are: a net trained on 0–255 pixels fed [-1, 1] noise sees near-black images, and a
/// gate on those says little. Found, in this order, from the model's Windows ML metadata
/// (<c>Image.NominalPixelRange</c>), from preprocessing the graph starts with (a division by
/// 255, a mean subtraction), or from the first layer's statistics: the running mean and
/// variance of a BatchNormalization right after the first convolution describe that
/// convolution's output on the training data, from which the input's mean and spread follow.
/// </summary>
/// <param name="Center">The middle of the range.</param>
/// <param name="HalfWidth">Half its width: values are uniform in [Center - HalfWidth, Center + HalfWidth).</param>
/// <param name="Source">How it was found, for the report.</param>
public sealed record ImageValueRange(float Center, float HalfWidth, string Source)
{
    /// <summary>The range of inputs nothing tells about: [-1, 1).</summary>
    public static readonly ImageValueRange Default = new(0, 1, "default");

    // Ops that move pixels without changing their values, between the input and what reads it.
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal) { "Cast", "Transpose", "Identity", "Pad", "Reshape", "Unsqueeze" };

    // Pixel conventions an estimate snaps to when it is close: [0, 1], [-1, 1], [0, 255],
    // mean-subtracted 0–255 ([-128, 128]) and mean/std-normalized (about [-2.5, 2.5]).
    private static readonly (float Center, float HalfWidth)[] Conventions = [(0.5f, 0.5f), (0, 1), (127.5f, 127.5f), (0, 128), (0, 2.5f)];

    /// <summary>The lowest value.</summary>
    public float Low => Center - HalfWidth;

    /// <summary>The highest value.</summary>
    public float High => Center + HalfWidth;

    /// <summary>The range of <paramref name="input"/> when it is a float image (rank 4, 1 to 4 channels first or last) and the model tells; else <see cref="Default"/>.</summary>
    public static ImageValueRange For(OnnxModel model, Value input)
    {
        if (!IsImage(input)) return Default;
        return FromMetadata(model) ?? FromGraph(model, input) ?? Default;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Low:0.###} to {High:0.###} ({Source})");

    private static bool IsImage(Value input)
    {
        if (input.ElementType is not (ElementType.Float or ElementType.Float16 or ElementType.Double)) return false;
        if (input.Shape is not { Count: 4 } shape) return false;
        static bool Channels(Dimension d) => d.Size is >= 1 and <= 4;
        return Channels(shape[1]) || Channels(shape[3]);
    }

    /// <summary>Windows ML's image metadata (<c>Image.NominalPixelRange</c>), when the model carries it.</summary>
    private static ImageValueRange? FromMetadata(OnnxModel model)
    {
        string? range = model.MetadataProps.FirstOrDefault(p => p.Key == "Image.NominalPixelRange").Value;
        return range switch
        {
            "NominalRange_0_255" => new(127.5f, 127.5f, "model metadata Image.NominalPixelRange"),
            "Normalized_0_1" => new(0.5f, 0.5f, "model metadata Image.NominalPixelRange"),
            "Normalized_1_1" => new(0, 1, "model metadata Image.NominalPixelRange"),
            "NominalRange_16_235" => new(125.5f, 109.5f, "model metadata Image.NominalPixelRange"),
            _ => null,
        };
    }

    private static ImageValueRange? FromGraph(OnnxModel model, Value input)
    {
        var (node, index) = FirstReader(input);
        if (node is null || node.Domain is not ("" or "ai.onnx")) return null;
        var constant = node.Inputs.Count == 2 && node.Inputs[1 - index] is { } other ? ConstantFloats(model, other) : null;
        switch (node.OpType)
        {
            case "Div" when index == 0 && constant is { Length: > 0 } divisor && divisor.All(d => d > 0):
                return Scaled(divisor.Max(), "the graph divides it by");
            case "Mul" when constant is { Length: > 0 } factor && factor.All(f => f > 0 && f < 0.5f):
                return Scaled(1 / factor.Min(), "the graph multiplies it by 1/");
            case "Sub" when index == 0 && constant is { Length: > 0 } mean:
                return Centered(mean.Average(), "the graph subtracts a mean of");
            case "Add" when constant is { Length: > 0 } bias:
                return Centered(-bias.Average(), "the graph subtracts a mean of");
            case "Conv" when index == 0:
                return FromFirstConvolution(model, node);
            default:
                return null;
        }
    }

    /// <summary>The one node that reads <paramref name="input"/>'s values, past ops that only move them; null when there are several.</summary>
    private static (Node? Node, int Index) FirstReader(Value input)
    {
        var value = input;
        for (int depth = 0; depth < 8; depth++)
        {
            if (value.Uses.Count != 1) return (null, 0);
            var use = value.Uses[0];
            if (!PassThrough.Contains(use.Node.OpType) || use.InputIndex != 0) return (use.Node, use.InputIndex);
            if (use.Node.OpType == "Pad" && use.Node.GetAttribute("mode")?.String is { } mode && mode != "constant") return (null, 0);
            if (use.Node.Outputs.Count == 0 || use.Node.Outputs[0] is not { } next) return (null, 0);
            value = next;
        }
        return (null, 0);
    }

    // x / d feeds a net that wants [0, 1]: x is in [0, d], and a divisor near 255 means 8-bit pixels.
    private static ImageValueRange Scaled(float divisor, string how)
    {
        if (divisor < 2) return new(0.5f * divisor, 0.5f * divisor, string.Create(CultureInfo.InvariantCulture, $"{how} {divisor:G4}"));
        float top = divisor is >= 100 and <= 300 ? 255 : divisor;
        return new(top / 2, top / 2, string.Create(CultureInfo.InvariantCulture, $"{how} {divisor:G4}"));
    }

    // x - m with m the pixel mean: 8-bit pixels when m is on that scale, [0, 1] when below 1.
    private static ImageValueRange? Centered(double mean, string how)
    {
        string source = string.Create(CultureInfo.InvariantCulture, $"{how} {mean:G4}");
        if (mean is > 20 and < 240) return new(127.5f, 127.5f, source);
        if (mean is > 0.2 and < 0.8) return new(0.5f, 0.5f, source);
        return null;
    }

    /// <summary>
    /// The input's mean and spread from a BatchNormalization that reads the first convolution
    /// (ungrouped, constant weights). With S[o] the sum of output channel o's weights and Q[o]
    /// the sum of their squares, the BN mean is b[o] + μ·S[o]; the variance lies between σ²·Q[o]
    /// (independent pixels) and σ²·S[o]² (neighbouring pixels alike, as in photographs), so σ²
    /// is fitted against the geometric mean of the two, over all channels at once.
    /// </summary>
    private static ImageValueRange? FromFirstConvolution(OnnxModel model, Node conv)
    {
        if ((conv.GetAttribute("group")?.Int ?? 1) != 1 || conv.Inputs.Count < 2 || conv.Inputs[1] is not { } weightValue) return null;
        if (ConstantValues.TryGetTensor(model, weightValue) is not { ElementType: ElementType.Float, Dims.Count: >= 3 } weightTensor) return null;
        if (conv.Outputs.Count == 0 || conv.Outputs[0] is not { Uses.Count: 1 } output) return null;
        var bn = output.Uses[0].Node;
        if (bn.OpType != "BatchNormalization" || output.Uses[0].InputIndex != 0 || bn.Inputs.Count < 5 || bn.Inputs[3] is not { } meanValue || bn.Inputs[4] is not { } varianceValue) return null;
        float[]? runningMean = ConstantFloats(model, meanValue), runningVariance = ConstantFloats(model, varianceValue);
        int outputs = checked((int)weightTensor.Dims[0]);
        if (runningMean is null || runningVariance is null || runningMean.Length != outputs || runningVariance.Length != outputs) return null;
        float[] bias = conv.Inputs.Count > 2 && conv.Inputs[2] is { } b ? ConstantFloats(model, b) ?? new float[outputs] : new float[outputs];
        if (bias.Length != outputs) return null;

        float[] weights = weightTensor.ToFloatArray();
        int perOutput = weights.Length / outputs;
        double meanNumerator = 0, meanDenominator = 0, spread = 0, variance = 0;
        for (int o = 0; o < outputs; o++)
        {
            double sum = 0, squares = 0;
            for (int k = 0; k < perOutput; k++)
            {
                double w = weights[o * perOutput + k];
                sum += w;
                squares += w * w;
            }
            meanNumerator += (runningMean[o] - bias[o]) * sum;
            meanDenominator += sum * sum;
            spread += Math.Sqrt(squares) * Math.Abs(sum);
            variance += runningVariance[o];
        }
        if (meanDenominator <= 0 || spread <= 0 || !(variance > 0)) return null;
        double mu = meanNumerator / meanDenominator, sigma = Math.Sqrt(variance / spread);
        if (!double.IsFinite(mu) || !double.IsFinite(sigma) || sigma <= 0) return null;

        // Uniform values with the same spread: the half width is √3 σ.
        double center = mu, half = Math.Sqrt(3) * sigma;
        string source = string.Create(CultureInfo.InvariantCulture, $"the first layer's BatchNormalization statistics: mean {mu:G3}, spread {sigma:G3}");
        foreach (var (c, h) in Conventions.OrderBy(k => Distance(k, center, half)))
        {
            if (Distance((c, h), center, half) < Math.Log(2)) return new(c, h, source);
            break;
        }
        return new((float)Round(center), (float)Round(half), source);
    }

    // How far an estimate is from a convention: the log ratio of the widths plus the offset of the centres in widths.
    private static double Distance((float Center, float HalfWidth) convention, double center, double half)
        => Math.Abs(Math.Log(half / convention.HalfWidth)) + Math.Abs(center - convention.Center) / convention.HalfWidth;

    private static double Round(double value)
    {
        if (value == 0) return 0;
        double scale = Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(value))) - 1);
        return Math.Round(value / scale) * scale;
    }

    private static float[]? ConstantFloats(OnnxModel model, Value value)
        => ConstantValues.TryGetTensor(model, value) is { ElementType: ElementType.Float } tensor && tensor.ElementCount <= 4096 ? tensor.ToFloatArray() : null;
}
