using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Equalization;

/// <summary>
/// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization Through Weight
/// Equalization and Bias Correction", §4.1): for two Convs in a row, with nothing between them
/// or a Relu (which commutes with a positive scale), output channel i of the first can be divided
/// by s_i if input channel i of the second is multiplied by it; the float model computes the same
/// function. With <c>s_i = √(r1_i / r2_i)</c>, r1 the largest |weight| of the first Conv's channel
/// and r2 that of the second's input channel, both become √(r1·r2): a depthwise convolution,
/// whose channels can differ in range by orders of magnitude (BatchNormalization folded into 9
/// weights), then quantizes per tensor — its output activation — almost as well as per channel.
/// </summary>
/// <remarks>
/// A pair is equalized only when that is provably the same computation: the first Conv's output
/// (after the optional Relu) is read by the second alone and is no graph output; both weights are
/// FLOAT constants read by nothing else, as is the first's bias. Pairs are visited in graph order,
/// <see cref="Rounds"/> times, because a Conv that is the second of one pair is the first of the
/// next. New initializers hold the scaled weights; the old ones are removed when unused.
/// </remarks>
public sealed class CrossLayerEqualizationPass : IModelPass<CrossLayerEqualizationReport>
{
    /// <summary>Passes over the chain; Nagel et al. report convergence within a few.</summary>
    public const int Rounds = 4;

    /// <summary>Scales are kept within [1/Limit, Limit], so a near-zero channel cannot blow up its partner.</summary>
    private const double Limit = 1e4;

    /// <inheritdoc/>
    public string Name => "CrossLayerEqualization";

    /// <summary>None: only weights change.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<CrossLayerEqualizationReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var names = NameScope.ForModel(model);
        var pairs = Pairs(model);
        var weights = new Dictionary<Node, float[]>();
        var biases = new Dictionary<Node, float[]>();
        foreach (var (first, second) in pairs)
        {
            foreach (var conv in new[] { first, second })
            {
                if (weights.ContainsKey(conv)) continue;
                weights[conv] = ConstantValues.TryGetTensor(model, conv.Inputs[1]!)!.ToFloatArray();
                if (conv.Inputs.Count > 2 && conv.Inputs[2] is { } b) biases[conv] = ConstantValues.TryGetTensor(model, b)!.ToFloatArray();
            }
        }
        for (int round = 0; round < Rounds; round++)
        {
            foreach (var (first, second) in pairs) Equalize(model, first, second, weights, biases);
        }

        var removable = new List<Value>();
        foreach (var (conv, values) in weights)
        {
            var old = conv.Inputs[1]!;
            var dims = ConstantValues.TryGetTensor(model, old)!.Dims.ToArray();
            conv.SetInput(1, GraphEdits.AddInitializer(conv.Graph!, names, old.Name + "_equalized", n => Tensor.FromFloats(n, dims, values)));
            removable.Add(old);
            if (biases.TryGetValue(conv, out var bias))
            {
                var oldBias = conv.Inputs[2]!;
                conv.SetInput(2, GraphEdits.AddInitializer(conv.Graph!, names, oldBias.Name + "_equalized", n => Tensor.FromFloats(n, [bias.Length], bias)));
                removable.Add(oldBias);
            }
        }
        foreach (var value in removable) GraphEdits.RemoveConstantIfUnused(model, value);
        return PassResult.Create(this, pairs.Count > 0, new CrossLayerEqualizationReport(pairs.Count));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>The Conv pairs of the main graph that can be equalized, in graph order.</summary>
    private static List<(Node First, Node Second)> Pairs(OnnxModel model)
    {
        var pairs = new List<(Node, Node)>();
        foreach (var first in model.Graph.Nodes)
        {
            if (!IsConstantWeightConv(model, first)) continue;
            var output = first.Outputs[0]!;
            if (output.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, output)) continue;
            var reader = output.Uses[0].Node;
            if (reader.OpType == "Relu" && reader.Domain.Length == 0 && reader.Outputs.Count == 1)
            {
                var activated = reader.Outputs[0]!;
                if (activated.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, activated)) continue;
                reader = activated.Uses[0].Node;
            }
            if (reader.Graph != model.Graph || !IsConstantWeightConv(model, reader) || reader.Inputs[0]?.Producer is not { } producer) continue;
            if (producer != first && producer.Inputs[0]?.Producer != first) continue;
            if (ChannelsOut(model, first) != ChannelsIn(model, reader)) continue;
            pairs.Add((first, reader));
        }
        return pairs;
    }

    private static bool IsConstantWeightConv(OnnxModel model, Node node) => EqualizableConv.Channels(model, node) is not null;

    private static long ChannelsOut(OnnxModel model, Node conv) => EqualizableConv.Channels(model, conv)!.Value.ChannelsOut;

    private static long ChannelsIn(OnnxModel model, Node conv) => EqualizableConv.Channels(model, conv)!.Value.ChannelsIn;

    private static void Equalize(OnnxModel model, Node first, Node second, Dictionary<Node, float[]> weights, Dictionary<Node, float[]> biases)
    {
        float[] w1 = weights[first], w2 = weights[second];
        int channels = (int)ChannelsOut(model, first);
        int perFirst = w1.Length / channels;
        var dims2 = ConstantValues.TryGetTensor(model, second.Inputs[1]!)!.Dims;
        int outputs2 = (int)dims2[0], slotsPerGroup = (int)dims2[1];
        int groups2 = channels / slotsPerGroup, outputsPerGroup = outputs2 / groups2;
        int kernel2 = w2.Length / (outputs2 * slotsPerGroup);

        for (int i = 0; i < channels; i++)
        {
            double r1 = 0;
            for (int k = 0; k < perFirst; k++) r1 = Math.Max(r1, Math.Abs(w1[(i * perFirst) + k]));
            int group = i / slotsPerGroup, slot = i % slotsPerGroup;
            double r2 = 0;
            for (int n = group * outputsPerGroup; n < (group + 1) * outputsPerGroup; n++)
            {
                int start = ((n * slotsPerGroup) + slot) * kernel2;
                for (int k = 0; k < kernel2; k++) r2 = Math.Max(r2, Math.Abs(w2[start + k]));
            }
            if (r1 == 0 || r2 == 0) continue;
            double s = Math.Clamp(Math.Sqrt(r1 / r2), 1 / Limit, Limit);
            for (int k = 0; k < perFirst; k++) w1[(i * perFirst) + k] = (float)(w1[(i * perFirst) + k] / s);
            if (biases.TryGetValue(first, out var b1)) b1[i] = (float)(b1[i] / s);
            for (int n = group * outputsPerGroup; n < (group + 1) * outputsPerGroup; n++)
            {
                int start = ((n * slotsPerGroup) + slot) * kernel2;
                for (int k = 0; k < kernel2; k++) w2[start + k] = (float)(w2[start + k] * s);
            }
        }
    }
}
