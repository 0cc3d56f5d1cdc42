using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Folding;

/// <summary>
/// Folds a constant scale and shift that follow a <c>Conv</c> — <c>Mul</c> by a constant, then
/// optionally <c>Add</c> of a constant, each a scalar or one value per output channel — into the
/// Conv's weights and bias: <c>(W∗x + b)·a + d</c> is the Conv with <c>W' = a·W</c> and
/// <c>b' = a·b + d</c>. Exporters leave such pairs where a network has a learnable affine block
/// (PaddleOCR's PP-LCNetV3 after every Conv) or a scale they did not fold. ONNX Runtime folds
/// them too, but only in float at load time: in a quantized model the Conv's 8-bit output would
/// sit before them, the Mul and Add would run in float between QuantizeLinear/DequantizeLinear
/// pairs, and cross-layer equalization could not see the Conv → Conv pair behind them.
/// </summary>
/// <remarks>
/// Folded only when provably the same computation: the Conv's output is read by the Mul (or
/// Add) alone and is no graph output; the Mul's output, when an Add follows, is read by that Add
/// alone; W and the optional bias are FLOAT constants; the constants broadcast against the Conv's
/// output <c>[N, M, …]</c> as one value or one value per channel M. Values are computed in double
/// and rounded once; new initializers hold them.
/// </remarks>
public sealed class ConvAffineFoldingPass : IModelPass<ConvAffineFoldingReport>
{
    /// <inheritdoc/>
    public string Name => "ConvAffineFolding";

    /// <summary>None: folding writes no operator the model did not have.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<ConvAffineFoldingReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int folded = 0;
        var names = NameScope.ForModel(model);
        var removable = new List<Value>();
        foreach (var graph in model.Graph.AllGraphs().ToArray())
        {
            foreach (var conv in graph.Nodes.ToArray())
            {
                if (conv.OpType != "Conv" || conv.Domain is not ("" or "ai.onnx") || conv.Graph is null) continue;
                // A Conv → Mul → Add chain folds in one go; a Conv → Add alone folds its shift.
                while (Next(model, conv) is { } step)
                {
                    PassErrors.OnNode(this, model, step.Node, () => Fold(model, names, conv, step, removable));
                    folded++;
                }
            }
        }
        foreach (var value in removable) GraphEdits.RemoveConstantIfUnused(model, value);
        return PassResult.Create(this, folded > 0, new ConvAffineFoldingReport(folded));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>The Mul or Add that alone reads <paramref name="conv"/>'s output with a per-channel constant, or null.</summary>
    private static AffineStep? Next(OnnxModel model, Node conv)
    {
        if (conv.Inputs.Count < 2 || conv.Inputs[1] is null || conv.Outputs.Count != 1 || conv.Outputs[0] is not { } y) return null;
        if (y.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, y)) return null;
        var node = y.Uses[0].Node;
        if (node.OpType is not ("Mul" or "Add") || node.Domain is not ("" or "ai.onnx") || node.Graph != conv.Graph) return null;
        if (node.Inputs.Count != 2 || node.Outputs.Count != 1 || node.Outputs[0] is null) return null;
        var w = ConstantValues.TryGetTensor(model, conv.Inputs[1]!);
        if (w is not { ElementType: ElementType.Float } || w.Dims.Count < 3 || w.ElementCount == 0) return null;
        if (conv.Inputs.Count > 2 && conv.Inputs[2] is { } b
            && ConstantValues.TryGetTensor(model, b) is not { ElementType: ElementType.Float, Dims.Count: 1 }) return null;
        var constant = node.Inputs[0] == y ? node.Inputs[1] : node.Inputs[0];
        if (constant is null || constant == y) return null;
        var values = PerChannel(ConstantValues.TryGetTensor(model, constant), (int)w.Dims[0], w.Dims.Count);
        return values is null ? null : new AffineStep(node, constant, values);
    }

    /// <summary>
    /// <paramref name="tensor"/> as one value per channel when it broadcasts against a Conv output
    /// of rank <paramref name="rank"/> with <paramref name="channels"/> channels without changing its shape; else null.
    /// </summary>
    private static double[]? PerChannel(Tensor? tensor, int channels, int rank)
    {
        if (tensor is not { ElementType: ElementType.Float } || tensor.Dims.Count > rank) return null;
        var values = tensor.ToFloatArray();
        if (values.Length == 1) return Enumerable.Repeat((double)values[0], channels).ToArray();
        // Right-aligned against [N, M, spatial…]: M on the channel axis, 1 everywhere else.
        int channelAxis = tensor.Dims.Count - (rank - 1);
        for (int i = 0; i < tensor.Dims.Count; i++)
        {
            long expected = i == channelAxis ? channels : 1;
            if (tensor.Dims[i] != expected) return null;
        }
        return channelAxis < 0 ? null : values.Select(v => (double)v).ToArray();
    }

    private static int Fold(OnnxModel model, NameScope names, Node conv, AffineStep step, List<Value> removable)
    {
        var wValue = conv.Inputs[1]!;
        var wTensor = ConstantValues.TryGetTensor(model, wValue)!;
        float[] w = wTensor.ToFloatArray();
        int channels = (int)wTensor.Dims[0];
        long perChannel = w.Length / channels;
        var bValue = conv.Inputs.Count > 2 ? conv.Inputs[2] : null;
        float[]? b = bValue is null ? null : ConstantValues.TryGetTensor(model, bValue)!.ToFloatArray();
        bool scale = step.Node.OpType == "Mul";

        var weights = scale ? new float[w.Length] : w;
        var bias = new float[channels];
        for (int m = 0; m < channels; m++)
        {
            double a = scale ? step.Values[m] : 1, d = scale ? 0 : step.Values[m];
            if (scale)
            {
                for (long i = m * perChannel; i < (m + 1) * perChannel; i++) weights[i] = (float)(a * w[i]);
            }
            bias[m] = (float)(a * (b?[m] ?? 0.0) + d);
        }

        var graph = conv.Graph!;
        string suffix = scale ? "_scaled" : "_shifted";
        if (scale)
        {
            conv.SetInput(1, GraphEdits.AddInitializer(graph, names, wValue.Name + suffix, name => Tensor.FromFloats(name, [.. wTensor.Dims], weights)));
            removable.Add(wValue);
        }
        var newB = GraphEdits.AddInitializer(graph, names, (bValue?.Name ?? GraphEdits.BaseName(conv) + "_bias") + suffix, name => Tensor.FromFloats(name, [channels], bias));
        if (conv.Inputs.Count > 2) conv.SetInput(2, newB);
        else conv.AddInput(newB);
        if (bValue is not null) removable.Add(bValue);

        GraphEdits.MergeIntoProducer(conv, step.Node);
        removable.Add(step.Constant);
        return channels;
    }

    /// <summary>One Mul or Add to fold, its constant input and that constant per channel.</summary>
    private sealed record AffineStep(Node Node, Value Constant, double[] Values);
}
