using ModelOpt.Core.Data;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Equalization;

/// <summary>
/// Equalizes the channel ranges of convolution activations that static quantization rounds per
/// tensor, moving the scale into an elementwise constant beside them, where cross-layer
/// equalization cannot reach: between two Convs of a mobile net there is usually a HardSwish (or
/// another activation that does not commute with a scale), and a per-tensor 8-bit grid sized
/// for the widest channel leaves a channel 50 times narrower a handful of steps — which the next
/// depthwise Conv then amplifies. Nets with learnable affine blocks (PaddleOCR's PP-LCNetV3:
/// <c>Conv → Mul(a) → Add(b) → HardSwish → Mul(c) → Add(d)</c>) or decomposed activations ending
/// in a constant <c>Div</c> carry exactly the constant that can absorb a per-channel scale:
/// <list type="bullet">
/// <item><b>Conv output</b> read by one <c>Mul</c> by a constant: output channel c of the Conv
/// (weights and bias) is multiplied by <c>u_c = R / r_c</c> (r_c its largest |value| on the
/// calibration samples, R the largest over channels) and the Mul's constant divided by it, so
/// every channel of the rounded Conv output spans the grid. The weights are rounded per output
/// channel, which a per-channel factor leaves as exact as before.</item>
/// <item><b>Conv input</b> made by <c>Mul(h, m)</c> or <c>Div(h, k)</c>, optionally followed by
/// <c>Add(·, d)</c>, with constants, and read only by Convs (directly or through pooling or
/// Resize, which a positive per-channel factor passes unchanged): channel c of the input is divided by
/// s_c (m and d divided, k multiplied) and input channel c of every reading Conv's weights
/// multiplied by it. For depthwise readers, whose weights are rounded per channel, s_c = r_c / R
/// (every channel spans the grid); otherwise the SmoothQuant balance s_c = √(r_c / w_c), w_c the
/// largest |weight| of input channel c, splits the range between activation and weights.</item>
/// </list>
/// The float model computes the same function (up to float rounding).
/// </summary>
/// <remarks>
/// Only provably equal rewrites: every constant that changes is FLOAT, read by nothing else,
/// and a scalar or one entry per channel broadcast on axis 1; every intermediate value is read
/// once and is no graph output. The ranges come from one run of the float model over the
/// calibration samples (<see cref="ActivationHistogram.ChannelMaxAbs"/>). Needs weights rounded
/// per channel (<c>PerChannel</c>); without it the pass changes nothing.
/// </remarks>
public sealed class AffineEqualizationPass : IModelPass<AffineEqualizationReport>
{
    /// <summary>Factors stay within [1/Limit, Limit], so a channel that is never active cannot blow up its weights.</summary>
    private const double Limit = 1e3;

    private readonly SampleSet _data;
    private readonly IActivationObserver _observer;

    /// <summary>Creates the pass.</summary>
    /// <param name="calibrationData">The samples whose activations give each channel's range.</param>
    /// <param name="observer">Runs the float model on them (ONNX Runtime, from ModelOpt.Runtime).</param>
    public AffineEqualizationPass(SampleSet calibrationData, IActivationObserver observer)
    {
        ArgumentNullException.ThrowIfNull(calibrationData);
        ArgumentNullException.ThrowIfNull(observer);
        _data = calibrationData;
        _observer = observer;
    }

    /// <inheritdoc/>
    public string Name => "AffineEqualization";

    /// <summary>None: only constants change.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<AffineEqualizationReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var outputSites = OutputSites(model);
        var inputSites = InputSites(model);
        if (outputSites.Count == 0 && inputSites.Count == 0) return PassResult.Create(this, false, new AffineEqualizationReport(0, 0));

        // An input site's channel count comes from the observation: intermediate values of an exported model rarely carry shapes.
        var observed = outputSites.Select(s => s.Conv.Outputs[0]!).Concat(inputSites.Select(s => s.Input)).ToArray();
        var (statistics, types) = _observer.Collect(model, observed, _data, withHistograms: false);
        var names = NameScope.ForModel(model);
        var removable = new List<Value>();
        int outputs = 0, inputs = 0;
        for (int i = 0; i < outputSites.Count; i++)
        {
            var site = outputSites[i];
            if (types[i] != ElementType.Float || statistics[i].ChannelMaxAbs is not { } ranges || ranges.Length != site.Channels) continue;
            var factors = SpreadFactors(ranges);
            if (factors is null) continue;
            ScaleConvOutputs(model, names, site.Conv, factors, removable);
            ScaleConstant(model, names, site.Scale, site.Channels, site.Rank, factors, divide: true, removable);
            outputs++;
        }
        for (int i = 0; i < inputSites.Count; i++)
        {
            var site = inputSites[i];
            int k = outputSites.Count + i;
            if (types[k] != ElementType.Float || statistics[k].ChannelMaxAbs is not { } ranges || ranges.Length < 2) continue;
            int channels = ranges.Length;
            if (!Fits(model, site.Scale, channels) || (site.Offset is { } o && !Fits(model, o, channels))) continue;
            if (!site.Readers.All(r => ReadsChannels(model, r, channels))) continue;
            var factors = InputFactors(model, site.Readers, ranges);
            if (factors is null) continue;
            // X' = X / s: Mul's and Add's constants divided by s, Div's multiplied.
            ScaleConstant(model, names, site.Scale, channels, site.Rank, factors, divide: site.Scale.Node.OpType != "Div", removable);
            if (site.Offset is { } offset) ScaleConstant(model, names, offset, channels, site.Rank, factors, divide: true, removable);
            foreach (var reader in site.Readers) ScaleConvInputs(model, names, reader, factors, removable);
            inputs++;
        }
        foreach (var value in removable) GraphEdits.RemoveConstantIfUnused(model, value);
        return PassResult.Create(this, outputs + inputs > 0, new AffineEqualizationReport(outputs, inputs));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>u_c = R / r_c in [1, Limit]; null when every channel already spans the range.</summary>
    private static double[]? SpreadFactors(float[] ranges)
    {
        double widest = ranges.Max();
        if (!(widest > 0)) return null;
        var factors = ranges.Select(r => r > 0 ? Math.Clamp(widest / r, 1, Limit) : 1).ToArray();
        return factors.All(f => f < 1.01) ? null : factors;
    }

    /// <summary>The divisors s_c of an input site (see the class summary); null when nothing would change.</summary>
    private static double[]? InputFactors(OnnxModel model, IReadOnlyList<Reader> readers, float[] ranges)
    {
        int channels = ranges.Length;
        if (readers.All(r => r.Depthwise))
        {
            var spread = SpreadFactors(ranges);
            return spread?.Select(u => 1 / u).ToArray();
        }
        var weightMax = new double[channels];
        foreach (var reader in readers)
        {
            var weight = ConstantValues.TryGetTensor(model, reader.Conv.Inputs[1]!)!;
            var values = weight.ToFloatArray();
            for (int i = 0; i < values.Length; i++)
            {
                int channel = InputChannelOf(i, weight.Dims, reader.Depthwise);
                weightMax[channel] = Math.Max(weightMax[channel], Math.Abs(values[i]));
            }
        }
        var factors = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            factors[c] = ranges[c] > 0 && weightMax[c] > 0 ? Math.Clamp(Math.Sqrt(ranges[c] / weightMax[c]), 1 / Limit, Limit) : 1;
        }
        return factors;
    }

    /// <summary>The input channel that element <paramref name="index"/> of a Conv weight <c>[M, C/group, k…]</c> reads: its slot, or for a depthwise Conv its output channel.</summary>
    private static int InputChannelOf(int index, IReadOnlyList<long> dims, bool depthwise)
    {
        long perOutput = 1;
        for (int d = 1; d < dims.Count; d++) perOutput *= dims[d];
        long kernel = perOutput / dims[1];
        return (int)(depthwise ? index / perOutput : index / kernel % dims[1]);
    }

    /// <summary>Multiplies output channel c of the Conv's weights and bias by factor c.</summary>
    private static void ScaleConvOutputs(OnnxModel model, NameScope names, Node conv, double[] factors, List<Value> removable)
    {
        var weight = ConstantValues.TryGetTensor(model, conv.Inputs[1]!)!;
        var values = weight.ToFloatArray();
        int perChannel = values.Length / factors.Length;
        for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] * factors[i / perChannel]);
        Replace(model, names, conv, 1, weight.Dims.ToArray(), values, removable);
        if (conv.Inputs.Count > 2 && conv.Inputs[2] is { } bias)
        {
            var biasValues = ConstantValues.TryGetTensor(model, bias)!.ToFloatArray();
            for (int c = 0; c < biasValues.Length; c++) biasValues[c] = (float)(biasValues[c] * factors[c]);
            Replace(model, names, conv, 2, [biasValues.Length], biasValues, removable);
        }
    }

    /// <summary>Multiplies input channel c of a reading Conv's weights by factor c (for a depthwise Conv: its channel c).</summary>
    private static void ScaleConvInputs(OnnxModel model, NameScope names, Reader reader, double[] factors, List<Value> removable)
    {
        var weight = ConstantValues.TryGetTensor(model, reader.Conv.Inputs[1]!)!;
        var values = weight.ToFloatArray();
        for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] * factors[InputChannelOf(i, weight.Dims, reader.Depthwise)]);
        Replace(model, names, reader.Conv, 1, weight.Dims.ToArray(), values, removable);
    }

    /// <summary>Replaces a scalar or per-channel constant by one entry per channel (shape [C, 1, …] for a value of rank <paramref name="rank"/>), divided or multiplied by the factors.</summary>
    private static void ScaleConstant(OnnxModel model, NameScope names, ValueUse use, int channels, int rank, double[] factors, bool divide, List<Value> removable)
    {
        var current = ConstantValues.TryGetTensor(model, use.Node.Inputs[use.InputIndex]!)!.ToFloatArray();
        var values = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double v = current.Length == 1 ? current[0] : current[c];
            values[c] = (float)(divide ? v / factors[c] : v * factors[c]);
        }
        var dims = new long[rank - 1];
        Array.Fill(dims, 1L);
        dims[0] = channels;
        Replace(model, names, use.Node, use.InputIndex, dims, values, removable);
    }

    private static void Replace(OnnxModel model, NameScope names, Node node, int index, long[] dims, float[] values, List<Value> removable)
    {
        var old = node.Inputs[index]!;
        node.SetInput(index, GraphEdits.AddInitializer(node.Graph!, names, old.Name + "_equalized", n => Tensor.FromFloats(n, dims, values)));
        removable.Add(old);
    }

    /// <summary>Convs of the main graph whose output only a Mul by an absorbing constant reads, in graph order.</summary>
    private static List<OutputSite> OutputSites(OnnxModel model)
    {
        var sites = new List<OutputSite>();
        foreach (var conv in model.Graph.Nodes)
        {
            if (EqualizableConv.Channels(model, conv) is not var (channelsOut, _, rank) || conv.Outputs[0] is not { } output) continue;
            if (output.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, output)) continue;
            var use = output.Uses[0];
            if (use.Node is not { OpType: "Mul", Domain: "" } mul || mul.Inputs.Count != 2) continue;
            var scale = new ValueUse(mul, 1 - use.InputIndex);
            if (!Absorbs(model, scale, channelsOut, rank)) continue;
            sites.Add(new OutputSite(conv, scale, (int)channelsOut, rank));
        }
        return sites;
    }

    /// <summary>Values made by an absorbing Mul/Div (and Add) whose every path ends in Convs, in graph order.</summary>
    private static List<InputSite> InputSites(OnnxModel model)
    {
        var sites = new List<InputSite>();
        foreach (var node in model.Graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.OpType is not ("Add" or "Mul" or "Div") || node.Graph != model.Graph || node.Outputs.Count != 1 || node.Outputs[0] is not { } input) continue;
            var readers = new List<Reader>();
            if (!Readers(model, input, readers) || readers.Count == 0 || readers.DistinctBy(r => r.Conv).Count() != readers.Count) continue;
            int rank = ConstantValues.TryGetTensor(model, readers[0].Conv.Inputs[1]!)!.Dims.Count;
            if (readers.Any(r => ConstantValues.TryGetTensor(model, r.Conv.Inputs[1]!)!.Dims.Count != rank)) continue;
            if (Affine(model, node, rank) is not var (scale, offset)) continue;
            sites.Add(new InputSite(input, scale, offset, readers, rank));
        }
        return sites;
    }

    /// <summary>
    /// Follows <paramref name="value"/>'s channels through ops that treat every channel alone and
    /// linearly (pooling, Resize: a positive per-channel factor passes through them unchanged) to
    /// the Convs that read them; false when any path ends elsewhere. A Concat ends the walk: the
    /// Conv behind it rounds these channels together with others that keep their scale, and
    /// balancing them against its weights cost PP-OCRv4's recognizer accuracy (worst cosine
    /// 0.911 → 0.844, where its SVTR neck concatenates the backbone's pooled output).
    /// </summary>
    private static bool Readers(OnnxModel model, Value value, List<Reader> readers)
    {
        if (GraphEdits.IsGraphOutput(model, value) || value.Uses.Count == 0) return false;
        foreach (var use in value.Uses)
        {
            var node = use.Node;
            if (node.Domain.Length != 0 || node.Graph != model.Graph || node.Outputs.Count != 1 || node.Outputs[0] is not { } output) return false;
            switch (node.OpType)
            {
                case "Conv" when use.InputIndex == 0:
                    if (EqualizableConv.Channels(model, node) is not var (_, channelsIn, _)) return false;
                    bool depthwise = IsDepthwise(model, node, channelsIn);
                    if (!depthwise && (node.GetAttribute("group")?.Int ?? 1) != 1) return false;
                    readers.Add(new Reader(node, depthwise));
                    break;
                case "AveragePool" or "MaxPool" or "GlobalAveragePool" or "GlobalMaxPool" or "Resize" or "Identity" when use.InputIndex == 0:
                    if (!Readers(model, output, readers)) return false;
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>Whether a reader's input has exactly <paramref name="channels"/> channels.</summary>
    private static bool ReadsChannels(OnnxModel model, Reader reader, int channels)
    {
        var dims = ConstantValues.TryGetTensor(model, reader.Conv.Inputs[1]!)!.Dims;
        return (reader.Depthwise ? dims[0] : dims[1]) == channels;
    }

    /// <summary><c>Mul(h, m)</c> or <c>Div(h, k)</c>, optionally then <c>Add(·, d)</c>, with absorbing constants; null otherwise.</summary>
    private static (ValueUse Scale, ValueUse? Offset)? Affine(OnnxModel model, Node producer, int rank)
    {
        ValueUse? offset = null;
        var node = producer;
        if (node.OpType == "Add" && node.Inputs.Count == 2)
        {
            int constant = ConstantValues.TryGetTensor(model, node.Inputs[1]!) is not null ? 1 : 0;
            offset = new ValueUse(node, constant);
            if (!Absorbs(model, offset.Value, null, rank) || node.Inputs[1 - constant] is not { Producer: { Domain: "" } inner } scaled) return null;
            if (scaled.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, scaled) || inner.Graph != model.Graph) return null;
            node = inner;
        }
        if (node.Inputs.Count != 2) return null;
        ValueUse scale;
        if (node.OpType == "Mul") scale = new ValueUse(node, ConstantValues.TryGetTensor(model, node.Inputs[1]!) is not null ? 1 : 0);
        else if (node.OpType == "Div") scale = new ValueUse(node, 1);
        else return null;
        if (!Absorbs(model, scale, null, rank) || ConstantValues.TryGetTensor(model, node.Inputs[1 - scale.InputIndex]!) is not null) return null;
        return (scale, offset);
    }

    /// <summary>
    /// A FLOAT constant read by this node alone, a scalar or one entry per channel laid out to
    /// broadcast on axis 1 of a value of rank <paramref name="rank"/>, with no zero (a Div by it must stay defined).
    /// </summary>
    private static bool Absorbs(OnnxModel model, ValueUse use, long? channels, int rank)
    {
        if (use.Node.Inputs[use.InputIndex] is not { } value || value.Uses.Count != 1) return false;
        if (ConstantValues.TryGetTensor(model, value) is not { ElementType: ElementType.Float } tensor) return false;
        if (tensor.ToFloatArray().Any(v => v == 0 || !float.IsFinite(v))) return false;
        if (tensor.ElementCount == 1) return tensor.Dims.Count <= rank;
        if ((channels is { } count && tensor.ElementCount != count) || tensor.Dims.Count > rank) return false;
        // Right-aligned broadcasting: the channel entry must land on axis 1, every other dimension 1.
        int channelAxis = tensor.Dims.Count - (rank - 1);
        for (int d = 0; d < tensor.Dims.Count; d++)
        {
            if (d == channelAxis ? tensor.Dims[d] != tensor.ElementCount : tensor.Dims[d] != 1) return false;
        }
        return true;
    }

    /// <summary>Whether an absorbing constant is a scalar or holds one entry per each of <paramref name="channels"/>.</summary>
    private static bool Fits(OnnxModel model, ValueUse use, int channels)
    {
        long count = ConstantValues.TryGetTensor(model, use.Node.Inputs[use.InputIndex]!)!.ElementCount;
        return count == 1 || count == channels;
    }

    /// <summary>A depthwise Conv of multiplier 1: one weight channel per input channel.</summary>
    private static bool IsDepthwise(OnnxModel model, Node conv, long channels)
    {
        var dims = ConstantValues.TryGetTensor(model, conv.Inputs[1]!)!.Dims;
        return (conv.GetAttribute("group")?.Int ?? 1) == channels && dims[0] == channels && dims[1] == 1 && channels > 1;
    }

    /// <summary>A Conv whose output only a Mul by <see cref="Scale"/> reads.</summary>
    private sealed record OutputSite(Node Conv, ValueUse Scale, int Channels, int Rank);

    /// <summary>A value made by an affine of constants (<see cref="Scale"/>, <see cref="Offset"/>) whose channels only <see cref="Readers"/> read in the end.</summary>
    private sealed record InputSite(Value Input, ValueUse Scale, ValueUse? Offset, IReadOnlyList<Reader> Readers, int Rank);

    /// <summary>A Conv that reads the site's channels as its input channels (a depthwise one: as its channels).</summary>
    private sealed record Reader(Node Conv, bool Depthwise);
}
