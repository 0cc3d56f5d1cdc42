using System.Globalization;
using System.Runtime.InteropServices;
using ModelOpt.Core.Analysis;
using ModelOpt.Core.Data;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Float16;

/// <summary>
/// The range check of <see cref="Float16ConversionPass"/>: runs the float model on samples
/// (through an <see cref="IActivationObserver"/>, so Core runs no model itself), measures every
/// FLOAT input and activation of the main graph per sample, and names the nodes that must stay in FLOAT,
/// each with the measurement that says why. Two rules (docs/engine.md, "Float16", has the
/// figures they come from):
/// <list type="number">
/// <item>Overflow: a value whose magnitude comes within <see cref="OverflowMargin"/> of 65504 on a
/// sample keeps its producer and its readers in FLOAT, so it is never stored in FLOAT16.</item>
/// <item>Cancellation: a Conv, Gemm or MatMul with constant weights whose partial sums grow far
/// beyond its result (gain = the largest Σ|w| of an output channel × the input's largest
/// magnitude ÷ the output's largest magnitude, measured after a Clip that is its only reader)
/// above <see cref="CancellationGain"/>: FLOAT16 rounds the partial sums, so its error relative to
/// the result grows with the gain (M-LSD's BatchNorm-folded depthwise Convs, gains 150 to 430,
/// cost its offsets map 0.9966 → 0.9999 cosine). The node stays FLOAT; its result fits FLOAT16, so
/// its readers may convert.</item>
/// </list>
/// </summary>
public static class Float16RangeCheck
{
    /// <summary>FLOAT16's largest finite value.</summary>
    public const double Float16Max = 65504;

    /// <summary>
    /// Values within this factor of 65504 stay FLOAT: the samples are a few inputs, and an input
    /// twice as bright or loud as any of them must not overflow either.
    /// </summary>
    public const double OverflowMargin = 4;

    /// <summary>
    /// The largest cancellation gain a weighted sum keeps in FLOAT16: FLOAT16 rounds to 2⁻¹¹
    /// relative, so at a gain of 128 the rounding of partial sums alone reaches 6% of the result's range.
    /// </summary>
    public const double CancellationGain = 128;

    /// <summary>The most samples the check runs the model on (one session with every activation as an output).</summary>
    public const int MaxSamples = 16;

    private static readonly HashSet<string> WeightedSums = new(["Conv", "Gemm", "MatMul"], StringComparer.Ordinal);

    /// <summary>
    /// The nodes of <paramref name="model"/> (not modified) that must stay in FLOAT, by
    /// <see cref="NodeFilter.IdentityOf"/>, with the reason the report gives; in graph order.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Find(OnnxModel model, SampleSet samples, IActivationObserver observer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(observer);
        var types = ElementTypeInference.Infer(model);
        var observed = new List<Value>();
        foreach (var node in model.Graph.Nodes)
        {
            if (node.OpType == "Constant") continue;
            foreach (var output in node.Outputs)
            {
                if (output is not null && types.GetValueOrDefault(output) == ElementType.Float && ConstantValues.TryGetTensor(model, output) is null) observed.Add(output);
            }
        }
        var ranges = Measure(model, observed, samples, observer);
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        void Keep(Node node, string reason)
        {
            string name = NodeFilter.IdentityOf(node);
            if (kept.TryAdd(name, reason)) order.Add(name);
        }

        foreach (var node in model.Graph.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                if (input is not null && ranges.TryGetValue(input, out var range) && OutOfRange(range) is { } why)
                {
                    Keep(node, $"reads '{input.Name}', which {why}");
                    break;
                }
            }
            foreach (var output in node.Outputs)
            {
                if (output is not null && ranges.TryGetValue(output, out var range) && OutOfRange(range) is { } why)
                {
                    Keep(node, $"its output '{output.Name}' {why}");
                    break;
                }
            }
            if (Cancellation(model, node, ranges) is { } cancels) Keep(node, cancels);
        }
        // Graph order, not the dictionary's: the options and the report list them so.
        return order.ToDictionary(n => n, n => kept[n], StringComparer.Ordinal);
    }

    /// <summary>Per value, the largest magnitude over all samples, with its sample.</summary>
    private static Dictionary<Value, ObservedRange> Measure(OnnxModel model, IReadOnlyList<Value> observed, SampleSet samples, IActivationObserver observer)
    {
        var ranges = new ObservedRange[observed.Count];
        var inputs = new Dictionary<Value, ObservedRange>();
        for (int i = 0; i < ranges.Length; i++) ranges[i] = new ObservedRange();
        if (observed.Count > 0)
        {
            // One run over the samples; each statistic remembers which sample brought its peak, so a reason can name it.
            var taken = samples.Samples().Take(MaxSamples).ToList();
            var binding = new SampleBinding(model);
            foreach (var sample in taken)
            {
                // The graph inputs are measured on the samples themselves: a weighted sum that reads one needs its range too.
                var tensors = binding.Bind(sample);
                for (int i = 0; i < tensors.Length; i++)
                {
                    if (tensors[i].ElementType != ElementType.Float) continue;
                    if (!inputs.TryGetValue(binding.Inputs[i], out var input)) inputs[binding.Inputs[i]] = input = new ObservedRange();
                    input.Add(Peak(MemoryMarshal.Cast<byte, float>(tensors[i].Data.Span)), sample.Name);
                }
            }
            var (statistics, kinds) = observer.Collect(model, observed, SampleSet.FromSamples(taken, samples.Description), withHistograms: false);
            for (int i = 0; i < observed.Count; i++)
            {
                if (kinds[i] != ElementType.Float || statistics[i].Count == 0 || statistics[i].PeakBatch < 0) continue;
                ranges[i].Add(Math.Max(Math.Abs((double)statistics[i].Min), Math.Abs((double)statistics[i].Max)), taken[statistics[i].PeakBatch].Name);
            }
        }
        var result = inputs;
        for (int i = 0; i < observed.Count; i++) result[observed[i]] = ranges[i];
        return result;
    }

    private static double Peak(ReadOnlySpan<float> values)
    {
        double peak = 0;
        foreach (float v in values)
        {
            if (float.IsFinite(v)) peak = Math.Max(peak, Math.Abs(v));
        }
        return peak;
    }

    private static string? OutOfRange(ObservedRange range)
    {
        if (range.Largest > Float16Max / OverflowMargin)
        {
            return range.Largest > Float16Max
                ? Format($"reaches {range.Largest:G3} on sample '{range.LargestSample}', beyond FLOAT16's 65504")
                : Format($"reaches {range.Largest:G3} on sample '{range.LargestSample}', within a factor {OverflowMargin} of FLOAT16's 65504");
        }
        return null;
    }

    private static string? Cancellation(OnnxModel model, Node node, Dictionary<Value, ObservedRange> ranges)
    {
        if (node.Domain.Length != 0 || !WeightedSums.Contains(node.OpType) || node.Inputs.Count < 2) return null;
        if (node.Inputs[0] is not { } input || node.Outputs[0] is not { } output) return null;
        if (!ranges.TryGetValue(input, out var x) || !ranges.TryGetValue(output, out var y)) return null;
        if (ConstantValues.TryGetTensor(model, node.Inputs[1]!) is not { ElementType: ElementType.Float } weights) return null;
        double l1 = OutputChannelNorms.Largest(node, weights, 1);
        if (l1 <= 0 || x.Largest <= 0) return null;
        // The result that matters: a Clip that alone reads it (ReLU6) throws away all beyond its bounds.
        var scale = y;
        if (output.Uses.Count == 1 && output.Uses[0].Node is { OpType: "Clip" } clip && clip.Outputs[0] is { } clipped && ranges.TryGetValue(clipped, out var c)) scale = c;
        if (scale.Largest <= 0) return null;
        double partial = l1 * x.Largest;
        double gain = partial / scale.Largest;
        if (gain <= CancellationGain) return null;
        return Format($"its weighted sums cancel: partial sums reach {partial:G3} (largest Σ|w| of an output channel {l1:G3} × input magnitude {x.Largest:G3}) while the result peaks at {scale.Largest:G3} on sample '{scale.LargestSample}', a gain of {gain:G3} (above {CancellationGain}) on FLOAT16's rounding");
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>What the samples showed of one value: its largest magnitude and the sample it came from.</summary>
    private sealed class ObservedRange
    {
        public double Largest { get; private set; }

        public string LargestSample { get; private set; } = "";

        public void Add(double peak, string sample)
        {
            if (peak <= Largest) return;
            Largest = peak;
            LargestSample = sample;
        }
    }
}
