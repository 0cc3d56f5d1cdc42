using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Folding;

/// <summary>
/// Folds an inference-mode <c>BatchNormalization</c> into the <c>Conv</c> that feeds it.
/// BatchNormalization computes <c>Y = scale·(X − mean)/√(var + ε) + B</c> per channel
/// (ONNX Operators.md, BatchNormalization, all versions), so with <c>s = scale/√(var + ε)</c>
/// the pair Conv(W, b) → BN equals one Conv with <c>W'[m] = s[m]·W[m]</c> and
/// <c>b'[m] = s[m]·(b[m] − mean[m]) + B[m]</c>. The folded model runs one node instead of two and,
/// above all, gives quantization one weight tensor with the real per-channel ranges (a Conv
/// followed by a BN cannot be fused into a quantized Conv).
/// </summary>
/// <remarks>
/// A pair is folded only when the result is provably the same computation: the Conv's output is
/// read by the BN alone (and is no graph output); W, the optional bias and the four BN parameters
/// are FLOAT constants (initializers or <c>Constant</c> nodes) of the right shapes; the BN is in
/// inference mode (no <c>training_mode</c>, no read running-statistics outputs, <c>spatial</c> not 0).
/// The folded values are computed in double and rounded once to float. New initializers hold
/// them, so weights that other nodes share stay untouched; the old constants are removed once
/// nothing reads them.
/// </remarks>
public sealed class BatchNormFoldingPass : IModelPass<BatchNormFoldingReport>
{
    private const double DefaultEpsilon = 1e-5;

    /// <inheritdoc/>
    public string Name => "BatchNormFolding";

    /// <summary>None: folding writes no operator the model did not have.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<BatchNormFoldingReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int folded = 0;
        var names = NameScope.ForModel(model);
        var removable = new List<Value>();
        foreach (var graph in model.Graph.AllGraphs().ToArray())
        {
            foreach (var node in graph.Nodes.ToArray())
            {
                if (node.OpType != "BatchNormalization" || !IsDefaultDomain(node)) continue;
                if (FoldablePair(model, node) is not { } conv) continue;
                PassErrors.OnNode(this, model, node, () => Fold(model, names, conv, node, removable));
                folded++;
            }
        }
        foreach (var value in removable) GraphEdits.RemoveConstantIfUnused(model, value);
        return PassResult.Create(this, folded > 0, new BatchNormFoldingReport(folded));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>The Conv that <paramref name="bn"/> can be folded into, or null.</summary>
    private static Node? FoldablePair(OnnxModel model, Node bn)
    {
        if (bn.Inputs.Count != 5 || bn.Inputs.Any(i => i is null)) return null;
        // training_mode (opset 14) computes batch statistics; spatial=0 (opsets 7–8) has
        // per-element parameters. Either way the node is not a fixed per-channel affine map.
        if (bn.GetAttribute("training_mode") is { Int: not 0 }) return null;
        if (bn.GetAttribute("spatial") is { Int: 0 }) return null;
        // The optional outputs (running or saved statistics) exist only in training; if one is read, keep the node.
        for (int i = 1; i < bn.Outputs.Count; i++)
        {
            if (bn.Outputs[i] is { } extra && !GraphEdits.IsUnused(model, extra)) return null;
        }
        if (bn.Outputs.Count == 0 || bn.Outputs[0] is null) return null;

        var x = bn.Inputs[0]!;
        if (x.Producer is not { OpType: "Conv" } conv || !IsDefaultDomain(conv) || x.ProducerOutputIndex != 0) return null;
        if (conv.Graph != bn.Graph || x.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, x)) return null;
        if (conv.Inputs.Count < 2 || conv.Inputs[1] is null) return null;

        var w = ConstantValues.TryGetTensor(model, conv.Inputs[1]!);
        if (w is not { ElementType: ElementType.Float } || w.Dims.Count < 3 || w.ElementCount == 0) return null;
        long channels = w.Dims[0];
        if (conv.Inputs.Count > 2 && conv.Inputs[2] is { } b && !IsChannelVector(model, b, channels)) return null;
        for (int i = 1; i < 5; i++)
        {
            if (!IsChannelVector(model, bn.Inputs[i]!, channels)) return null;
        }
        return conv;
    }

    private static bool IsChannelVector(OnnxModel model, Value value, long channels)
        => ConstantValues.TryGetTensor(model, value) is { ElementType: ElementType.Float } t && t.Dims.Count == 1 && t.Dims[0] == channels;

    private static bool IsDefaultDomain(Node node) => node.Domain is "" or "ai.onnx";

    private static int Fold(OnnxModel model, NameScope names, Node conv, Node bn, List<Value> removable)
    {
        var wValue = conv.Inputs[1]!;
        var wTensor = ConstantValues.TryGetTensor(model, wValue)!;
        float[] w = wTensor.ToFloatArray();
        int channels = (int)wTensor.Dims[0];
        long perChannel = w.Length / channels;
        var bValue = conv.Inputs.Count > 2 ? conv.Inputs[2] : null;
        float[]? b = bValue is null ? null : ConstantValues.TryGetTensor(model, bValue)!.ToFloatArray();

        float[] scale = Read(model, bn, 1), shift = Read(model, bn, 2), mean = Read(model, bn, 3), variance = Read(model, bn, 4);
        double epsilon = bn.GetAttribute("epsilon")?.Float ?? DefaultEpsilon;

        var folded = new float[w.Length];
        var bias = new float[channels];
        for (int m = 0; m < channels; m++)
        {
            double s = scale[m] / Math.Sqrt(variance[m] + epsilon);
            for (long i = m * perChannel; i < (m + 1) * perChannel; i++) folded[i] = (float)(s * w[i]);
            bias[m] = (float)(s * ((b?[m] ?? 0.0) - mean[m]) + shift[m]);
        }

        var graph = conv.Graph!;
        var newW = GraphEdits.AddInitializer(graph, names, wValue.Name + "_bn_folded", name => Tensor.FromFloats(name, [.. wTensor.Dims], folded));
        var newB = GraphEdits.AddInitializer(graph, names, (bValue?.Name ?? GraphEdits.BaseName(conv) + "_bias") + "_bn_folded",
            name => Tensor.FromFloats(name, [channels], bias));
        conv.SetInput(1, newW);
        if (conv.Inputs.Count > 2) conv.SetInput(2, newB);
        else conv.AddInput(newB);

        GraphEdits.MergeIntoProducer(conv, bn);

        removable.Add(wValue);
        if (bValue is not null) removable.Add(bValue);
        for (int i = 1; i < 5; i++) removable.Add(bn.Inputs[i]!);
        return channels;
    }

    private static float[] Read(OnnxModel model, Node bn, int index) => ConstantValues.TryGetTensor(model, bn.Inputs[index]!)!.ToFloatArray();
}
