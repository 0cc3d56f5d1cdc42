using ModelOpt.Core.Data;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Equalization;

/// <summary>
/// Mixed-precision decomposition of a linear layer's input (Dettmers et al. 2022, "LLM.int8()",
/// §3.2): in a trained transformer a few hidden channels carry values twenty to thirty times the
/// others (all-MiniLM-L6-v2: channel 99 of every layer's normalized input reaches 28 where the
/// median channel peaks at 1.5; one channel of the first feed-forward layers' GELU output
/// reaches 25 where the median peaks at 0.9), always the same channels. One per-tensor int8
/// scale for such a value spends its grid on them and rounds the rest to a few steps; scaling
/// them into the weights (<see cref="SmoothQuantPass"/>) makes that weight row dominate every
/// output column's scale instead. So those channels leave the quantized product:
/// <c>X·W = (X ⊙ m)·W' + X_O·W_O</c>, where O are the outlier channels, m is 0 on O and 1
/// elsewhere, W' is W with rows O zeroed and W_O = W[O, :]. The first product is what gets
/// quantized, with the range of the ordinary channels; <c>Gather(X, O)</c>, the mask Mul, the
/// small float MatMul [.., k]·[k, N] and the Add that joins the two stay in float
/// (<see cref="OutlierChannelDecompositionReport.FloatNodes"/>, which the quantization passes
/// must exclude). The float model computes the same function up to float rounding.
/// </summary>
/// <remarks>
/// A value is decomposed when it is FLOAT, no graph output, and read by at least one
/// <see cref="LinearProjection"/> (its other readers keep reading it unchanged). Its outlier
/// channels are those whose largest magnitude over the calibration samples exceeds
/// <see cref="Threshold"/> times the median channel's, at most one in <see cref="MaxFractionDenominator"/>
/// channels (the largest first): the float product costs k/C of the layer in float arithmetic.
/// The Add joins after the layer's bias Add when the layer has one (a MatMul read only by an Add
/// of a constant), so the MatMul-plus-bias patterns ONNX Runtime fuses stay whole.
/// </remarks>
public sealed class OutlierChannelDecompositionPass : IModelPass<OutlierChannelDecompositionReport>
{
    /// <summary>A channel is an outlier above this multiple of the median channel's largest magnitude.</summary>
    public const double DefaultThreshold = 6;

    /// <summary>At most one channel in this many is taken out (C / 32: 12 of a 384-wide hidden state).</summary>
    public const int MaxFractionDenominator = 32;

    /// <summary>The reason the report gives for the nodes the decomposition adds.</summary>
    public const string FloatReason = "computes a linear layer's outlier input channels in float (mixed-precision decomposition, LLM.int8())";

    private readonly SampleSet _data;
    private readonly IActivationObserver _observer;

    /// <summary>Creates the pass.</summary>
    /// <param name="calibrationData">The samples whose activations give each channel's largest magnitude.</param>
    /// <param name="observer">Runs the float model on them (ONNX Runtime, from ModelOpt.Runtime).</param>
    /// <param name="threshold">The outlier threshold, a multiple of the median channel's largest magnitude (&gt; 1).</param>
    public OutlierChannelDecompositionPass(SampleSet calibrationData, IActivationObserver observer, double threshold = DefaultThreshold)
    {
        ArgumentNullException.ThrowIfNull(calibrationData);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(threshold, 1);
        _data = calibrationData;
        _observer = observer;
        Threshold = threshold;
    }

    /// <summary>The outlier threshold.</summary>
    public double Threshold { get; }

    /// <inheritdoc/>
    public string Name => "OutlierChannelDecomposition";

    /// <summary>None: Gather, Mul, MatMul and Add exist in every opset the quantizers accept.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<OutlierChannelDecompositionReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sites = Sites(model);
        if (sites.Count == 0) return PassResult.Create(this, false, new OutlierChannelDecompositionReport([], []));

        var (statistics, types) = _observer.Collect(model, [.. sites.Select(s => s.Input)], _data, withHistograms: false);
        var names = NameScope.ForModel(model);
        var decomposed = new List<DecomposedValue>();
        var floatNodes = new List<string>();
        for (int i = 0; i < sites.Count; i++)
        {
            var site = sites[i];
            if (types[i] != ElementType.Float || statistics[i].LastAxisMaxAbs is not { } peaks || peaks.Length != site.Channels) continue;
            var outliers = Outliers(peaks, Threshold);
            if (outliers.Length == 0) continue;
            Decompose(model, names, site, outliers, floatNodes);
            decomposed.Add(new DecomposedValue(site.Input.Name, outliers, site.Projections.Select(p => p.Node.Name).ToArray()));
        }
        return PassResult.Create(this, decomposed.Count > 0, new OutlierChannelDecompositionReport(decomposed, floatNodes));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>Whether <paramref name="model"/> has a value the pass would look at, so that a caller makes samples only when they are needed.</summary>
    public static bool HasCandidates(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Sites(model).Count > 0;
    }

    /// <summary>The outlier channels in ascending order: above threshold × the median peak, the largest at most C / <see cref="MaxFractionDenominator"/>.</summary>
    internal static int[] Outliers(float[] peaks, double threshold)
    {
        var sorted = peaks.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]);
        if (median <= 0) return [];
        int limit = peaks.Length / MaxFractionDenominator;
        return [.. Enumerable.Range(0, peaks.Length)
            .Where(c => peaks[c] > threshold * median)
            .OrderByDescending(c => peaks[c]).ThenBy(c => c)
            .Take(limit)
            .Order()];
    }

    private static void Decompose(OnnxModel model, NameScope names, Site site, int[] outliers, List<string> floatNodes)
    {
        var graph = model.Graph;
        var x = site.Input;
        string baseName = x.Name;
        var first = site.Projections.MinBy(p => GraphEdits.IndexOf(p.Node))!.Node;
        var indices = GraphEdits.AddInitializer(graph, names, baseName + "_outlier_channels", n => TensorFactory.Int64s(n, [.. outliers.Select(c => (long)c)]));
        var maskValues = Enumerable.Repeat(1f, site.Channels).ToArray();
        foreach (int c in outliers) maskValues[c] = 0;
        var mask = GraphEdits.AddInitializer(graph, names, baseName + "_ordinary_channels", n => Tensor.FromFloats(n, [site.Channels], maskValues));
        string gatherName = names.Reserve(baseName + "_outliers");
        var gather = new Node("Gather", [x, indices], [gatherName], gatherName);
        gather.Attributes.Add(NodeAttribute.FromInt("axis", -1));
        string maskedName = names.Reserve(baseName + "_ordinary");
        var masked = new Node("Mul", [x, mask], [maskedName], maskedName);
        GraphEdits.InsertBefore(first, gather, masked);
        floatNodes.Add(gather.Name);
        floatNodes.Add(masked.Name);

        foreach (var projection in site.Projections)
        {
            var node = projection.Node;
            var old = node.Inputs[1]!;
            var tensor = ConstantValues.TryGetTensor(model, old)!;
            var values = tensor.ToFloatArray();
            float alpha = node.OpType == "Gemm" ? node.GetAttribute("alpha")?.Float ?? 1f : 1f;
            int n = projection.OutputChannels;
            // W_O = alpha·W[O, :] as [k, N]; W' = W with rows O zeroed (they would only multiply the mask's zeros,
            // and zeros keep them out of every column's weight range).
            var outlierWeights = new float[outliers.Length * n];
            for (int o = 0; o < outliers.Length; o++)
            {
                for (int column = 0; column < n; column++)
                {
                    int index = projection.IndexOf(outliers[o], column);
                    outlierWeights[(o * n) + column] = alpha * values[index];
                    values[index] = 0;
                }
            }
            var dims = tensor.Dims.ToArray();
            string layer = GraphEdits.BaseName(node);
            node.SetInput(0, masked.Outputs[0]);
            node.SetInput(1, GraphEdits.AddInitializer(graph, names, old.Name + "_ordinary", name => Tensor.FromFloats(name, dims, values)));
            GraphEdits.RemoveConstantIfUnused(model, old);
            var weights = GraphEdits.AddInitializer(graph, names, old.Name + "_outliers", name => Tensor.FromFloats(name, [outliers.Length, n], outlierWeights));
            string productName = names.Reserve(layer + "_outlier_product");
            var product = new Node("MatMul", [gather.Outputs[0], weights], [productName], productName);
            GraphEdits.InsertBefore(node, product);
            floatNodes.Add(product.Name);

            var joined = BiasAdd(model, node) is { } bias ? bias.Outputs[0]! : node.Outputs[0]!;
            var readers = joined.Uses.ToArray();
            string sumName = names.Reserve(layer + "_with_outliers");
            var sum = new Node("Add", [joined, product.Outputs[0]], [sumName], sumName);
            GraphEdits.InsertBefore(readers.MinBy(u => GraphEdits.IndexOf(u.Node)).Node, sum);
            foreach (var use in readers) use.Node.SetInput(use.InputIndex, sum.Outputs[0]);
            floatNodes.Add(sum.Name);
        }
    }

    /// <summary>The Add of a constant that alone reads a MatMul's result (its bias), or null.</summary>
    private static Node? BiasAdd(OnnxModel model, Node node)
    {
        if (node.OpType != "MatMul" || node.Outputs[0] is not { } product || product.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, product)) return null;
        var add = product.Uses[0].Node;
        if (add is not { OpType: "Add", Domain: "" } || add.Inputs.Count != 2) return null;
        var other = add.Inputs[1 - product.Uses[0].InputIndex];
        return other is not null && ConstantValues.TryGetTensor(model, other) is not null ? add : null;
    }

    /// <summary>The values of the main graph that projections read, in graph order.</summary>
    private static List<Site> Sites(OnnxModel model)
    {
        var sites = new List<Site>();
        var seen = new HashSet<Value>();
        foreach (var node in model.Graph.Nodes)
        {
            foreach (var input in node.Inputs)
            {
                if (input is null || !seen.Add(input) || ConstantValues.TryGetTensor(model, input) is not null || GraphEdits.IsGraphOutput(model, input)) continue;
                var projections = new List<LinearProjection>();
                int? channels = null;
                foreach (var use in input.Uses)
                {
                    if (LinearProjection.TryFind(model, use, channels) is not { } projection) continue;
                    channels = projection.InputChannels;
                    projections.Add(projection);
                }
                if (projections.Count > 0 && channels >= MaxFractionDenominator && projections.All(p => BiasAdd(model, p.Node) is not { } add || !GraphEdits.IsGraphOutput(model, add.Outputs[0]!)))
                {
                    sites.Add(new Site(input, channels.Value, projections));
                }
            }
        }
        return sites;
    }

    /// <summary>A value to decompose: its width and the projections that read it.</summary>
    private sealed record Site(Value Input, int Channels, IReadOnlyList<LinearProjection> Projections);
}
