using ModelOpt.Core.Data;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Equalization;

/// <summary>
/// SmoothQuant (Xiao et al. 2023, "SmoothQuant: Accurate and Efficient Post-Training
/// Quantization for LLMs", §4): a few channels of a transformer's normalized hidden states carry
/// outliers a hundred times the rest, so a per-tensor activation scale spends the int8 grid on
/// them and rounds every other channel to a handful of steps. The difficulty moves into the
/// weights, which are quantized per output channel and have room to spare: per input channel j,
/// <c>s_j = max|X_j|^α / max|W_j|^(1−α)</c>; the normalization's scale γ and offset β are divided
/// by s (so X' = X / s costs nothing at inference) and row j of every weight that reads X is
/// multiplied by it (X'·W' = X·W). The float model computes the same function.
/// </summary>
/// <remarks>
/// A normalization is smoothed only when that is provably the same computation: a
/// LayerNormalization over the last axis, or the decomposed form exporters write
/// (… Div → Mul(γ) → Add(β), the Mul read by the Add alone), with constant FLOAT γ and β of one
/// entry per channel; its output is no graph output, and every reader is a MatMul or Gemm (A not
/// transposed) whose 2-D FLOAT constant weight nothing else reads, or a Shape (which reads no
/// value). All projections of one normalization (a transformer's Q, K and V) share one s, with
/// max|W_j| over all of them. max|X_j| comes from one run of the float model over the
/// calibration samples (<see cref="IActivationObserver"/>, <see cref="ActivationHistogram.LastAxisMaxAbs"/>);
/// a model without such a normalization is not run at all. In a post-LN encoder (BERT) the
/// normalized value also feeds the residual Add, and X / s would change the sum the next
/// LayerNorm sees; such a value is left alone, unless <see cref="Compensate"/> is on: then the
/// other readers get X back through one Mul by s (still the same function, one elementwise op
/// more: ~1% latency on arctic-embed-xs, whose twelve smoothable LayerNorms are all post-LN).
/// </remarks>
public sealed class SmoothQuantPass : IModelPass<SmoothQuantReport>
{
    /// <summary>The migration strength the paper recommends for most models (§4, Figure 6).</summary>
    public const double DefaultAlpha = 0.5;

    /// <summary>Scales are kept within [1/Limit, Limit], so a dead channel cannot blow up its weights.</summary>
    private const double Limit = 1e4;

    private readonly SampleSet _data;
    private readonly IActivationObserver _observer;

    /// <summary>Creates the pass.</summary>
    /// <param name="calibrationData">The samples whose activations give max|X_j|.</param>
    /// <param name="observer">Runs the float model on them (ONNX Runtime, from ModelOpt.Runtime).</param>
    /// <param name="alpha">The migration strength α in [0, 1]: 0 leaves the activations as they are, 1 moves all their range into the weights.</param>
    /// <param name="compensate">Whether a normalized value that other nodes also read (a post-LN residual Add) is smoothed too, those readers getting it back through a Mul by s.</param>
    public SmoothQuantPass(SampleSet calibrationData, IActivationObserver observer, double alpha = DefaultAlpha, bool compensate = false)
    {
        Compensate = compensate;
        ArgumentNullException.ThrowIfNull(calibrationData);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentOutOfRangeException.ThrowIfLessThan(alpha, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(alpha, 1);
        _data = calibrationData;
        _observer = observer;
        Alpha = alpha;
    }

    /// <summary>Whether other readers of a normalized value get it back through a Mul by s.</summary>
    public bool Compensate { get; }

    /// <summary>The migration strength α.</summary>
    public double Alpha { get; }

    /// <inheritdoc/>
    public string Name => "SmoothQuant";

    /// <summary>None: only constants change.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<SmoothQuantReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sites = Sites(model, Compensate);
        if (sites.Count == 0) return PassResult.Create(this, false, new SmoothQuantReport([], 0));

        var (statistics, types) = _observer.Collect(model, [.. sites.Select(s => s.Normalized)], _data, withHistograms: false);
        var names = NameScope.ForModel(model);
        var removable = new List<Value>();
        var smoothed = new List<string>();
        int projections = 0;
        for (int i = 0; i < sites.Count; i++)
        {
            var site = sites[i];
            if (types[i] != ElementType.Float || statistics[i].LastAxisMaxAbs is not { } activation || activation.Length != site.Channels) continue;
            var weights = site.Projections.Select(p => ConstantValues.TryGetTensor(model, p.Node.Inputs[1]!)!.ToFloatArray()).ToArray();
            var scales = Scales(site, activation, weights);
            Scale(model, names, site.Gamma, scales, removable);
            if (site.Beta is { } beta) Scale(model, names, beta, scales, removable);
            for (int p = 0; p < site.Projections.Count; p++)
            {
                var projection = site.Projections[p];
                var old = projection.Node.Inputs[1]!;
                var dims = ConstantValues.TryGetTensor(model, old)!.Dims.ToArray();
                var values = weights[p];
                int rows = (int)dims[0], columns = (int)dims[1];
                for (int r = 0; r < rows; r++)
                {
                    for (int c = 0; c < columns; c++)
                    {
                        // Row j of a MatMul weight [C, N] (or Gemm's untransposed B) reads input channel j; column j of a transposed B [N, C].
                        values[(r * columns) + c] = (float)(values[(r * columns) + c] * scales[projection.Transposed ? c : r]);
                    }
                }
                projection.Node.SetInput(1, GraphEdits.AddInitializer(projection.Node.Graph!, names, old.Name + "_smoothed", n => Tensor.FromFloats(n, dims, values)));
                removable.Add(old);
            }
            if (site.Others.Count > 0)
            {
                var factors = GraphEdits.AddInitializer(model.Graph, names, site.Normalized.Name + "_smoothing", n => Tensor.FromFloats(n, [site.Channels], [.. scales.Select(x => (float)x)]));
                string name = names.Reserve(site.Normalized.Name + "_unsmoothed");
                var mul = new Node("Mul", [site.Normalized, factors], [name], name);
                GraphEdits.InsertBefore(site.Others.MinBy(u => GraphEdits.IndexOf(u.Node)).Node, mul);
                foreach (var use in site.Others) use.Node.SetInput(use.InputIndex, mul.Outputs[0]);
            }
            smoothed.Add(GraphEdits.BaseName(site.Gamma.Node));
            projections += site.Projections.Count;
        }
        foreach (var value in removable) GraphEdits.RemoveConstantIfUnused(model, value);
        return PassResult.Create(this, smoothed.Count > 0, new SmoothQuantReport(smoothed, projections));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>s_j = max|X_j|^α / max|W_j|^(1−α), with max|W_j| over every projection; 1 where a channel is never active or has no weight.</summary>
    private double[] Scales(Site site, float[] activation, float[][] weights)
    {
        var weightMax = new double[site.Channels];
        for (int p = 0; p < site.Projections.Count; p++)
        {
            var values = weights[p];
            int columns = site.Projections[p].Columns;
            for (int k = 0; k < values.Length; k++)
            {
                int channel = site.Projections[p].Transposed ? k % columns : k / columns;
                weightMax[channel] = Math.Max(weightMax[channel], Math.Abs(values[k]));
            }
        }
        var scales = new double[site.Channels];
        for (int j = 0; j < scales.Length; j++)
        {
            scales[j] = activation[j] > 0 && weightMax[j] > 0
                ? Math.Clamp(Math.Pow(activation[j], Alpha) / Math.Pow(weightMax[j], 1 - Alpha), 1 / Limit, Limit)
                : 1;
        }
        return scales;
    }

    /// <summary>Replaces the per-channel constant γ or β by itself divided by the scales.</summary>
    private static void Scale(OnnxModel model, NameScope names, ValueUse use, double[] scales, List<Value> removable)
    {
        var old = use.Node.Inputs[use.InputIndex]!;
        var tensor = ConstantValues.TryGetTensor(model, old)!;
        var values = tensor.ToFloatArray();
        for (int j = 0; j < values.Length; j++) values[j] = (float)(values[j] / scales[j]);
        var dims = tensor.Dims.ToArray();
        use.Node.SetInput(use.InputIndex, GraphEdits.AddInitializer(use.Node.Graph!, names, old.Name + "_smoothed", n => Tensor.FromFloats(n, dims, values)));
        removable.Add(old);
    }

    /// <summary>The normalizations of the main graph that can be smoothed, in graph order.</summary>
    private static List<Site> Sites(OnnxModel model, bool compensate)
    {
        var sites = new List<Site>();
        foreach (var node in model.Graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.Outputs.Count == 0 || node.Outputs[0] is not { } normalized) continue;
            var affine = node.OpType switch
            {
                "LayerNormalization" => LayerNormalization(model, node),
                "Add" => DecomposedLayerNorm(model, node),
                _ => null,
            };
            if (affine is not var (gamma, beta, channels)) continue;
            if (GraphEdits.IsGraphOutput(model, normalized)) continue;
            var projections = new List<LinearProjection>();
            var others = new List<ValueUse>();
            bool smoothable = true;
            foreach (var use in normalized.Uses)
            {
                if (use.Node is { OpType: "Shape", Domain: "" }) continue;
                if (LinearProjection.TryFind(model, use, channels) is not { } projection)
                {
                    if (compensate && use.Node.Graph == model.Graph)
                    {
                        others.Add(use);
                        continue;
                    }
                    smoothable = false;
                    break;
                }
                projections.Add(projection);
            }
            if (smoothable && projections.Count > 0) sites.Add(new Site(normalized, gamma, beta, channels, projections, others));
        }
        return sites;
    }

    /// <summary>LayerNormalization (opset 17) over the last axis with a constant scale and, if present, bias of one entry per channel.</summary>
    private static (ValueUse Gamma, ValueUse? Beta, int Channels)? LayerNormalization(OnnxModel model, Node node)
    {
        if (node.Inputs.Count < 2 || node.Inputs[0] is not { } x || node.Inputs[1] is not { } scale) return null;
        long axis = node.GetAttribute("axis")?.Int ?? -1;
        if (axis != -1 && (x.Shape is not { } shape || axis != shape.Count - 1)) return null;
        if (PerChannel(model, scale) is not { } channels) return null;
        ValueUse? beta = null;
        if (node.Inputs.Count > 2 && node.Inputs[2] is { } bias)
        {
            if (PerChannel(model, bias) != channels) return null;
            beta = new ValueUse(node, 2);
        }
        return (new ValueUse(node, 1), beta, channels);
    }

    /// <summary>
    /// The end of a decomposed LayerNorm, <c>Add(Mul(Div(…), γ), β)</c>: the Mul is read by the
    /// Add alone, so dividing γ and β by s divides exactly this Add's output by s.
    /// </summary>
    private static (ValueUse Gamma, ValueUse? Beta, int Channels)? DecomposedLayerNorm(OnnxModel model, Node add)
    {
        if (add.Inputs.Count != 2) return null;
        for (int b = 0; b < 2; b++)
        {
            if (add.Inputs[1 - b] is not { Producer: { OpType: "Mul", Domain: "" } mul } scaled || add.Inputs[b] is not { } bias) continue;
            if (scaled.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, scaled) || mul.Inputs.Count != 2) continue;
            if (PerChannel(model, bias) is not { } channels) continue;
            for (int g = 0; g < 2; g++)
            {
                if (mul.Inputs[1 - g] is not { Producer: { OpType: "Div", Domain: "" } } || mul.Inputs[g] is not { } gamma) continue;
                if (PerChannel(model, gamma) != channels) continue;
                return (new ValueUse(mul, g), new ValueUse(add, b), channels);
            }
        }
        return null;
    }

    /// <summary>The channel count of a FLOAT constant with one entry per channel of the last axis (every other dimension 1); null otherwise.</summary>
    private static int? PerChannel(OnnxModel model, Value value)
    {
        if (ConstantValues.TryGetTensor(model, value) is not { ElementType: ElementType.Float, Dims.Count: >= 1 } tensor || tensor.ElementCount < 2) return null;
        for (int d = 0; d < tensor.Dims.Count - 1; d++)
        {
            if (tensor.Dims[d] != 1) return null;
        }
        return (int)tensor.Dims[^1];
    }

    /// <summary>A normalization to smooth: its output, where γ and β enter, and the projections that read it.</summary>
    private sealed record Site(Value Normalized, ValueUse Gamma, ValueUse? Beta, int Channels, IReadOnlyList<LinearProjection> Projections, IReadOnlyList<ValueUse> Others);
}
