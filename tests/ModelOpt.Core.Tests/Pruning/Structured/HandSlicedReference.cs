using ModelOpt.Core.Graphs;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Pruning.Structured;

/// <summary>
/// The reference a pruned model is checked against: the original model with the channels the
/// report names cut out of its weights by this test code alone. It walks the test models' simple
/// structure (each tensor's channels come from the nearest Conv/Gemm upstream, Concat lays them
/// side by side) instead of using the pass's dependency graph, so both must agree independently.
/// </summary>
internal static class HandSlicedReference
{
    private static readonly HashSet<string> PassThrough =
    [
        "BatchNormalization", "Relu", "HardSwish", "HardSigmoid", "Sigmoid", "Clip", "LeakyRelu", "GlobalAveragePool",
        "MaxPool", "Add", "Mul", "Flatten", "Einsum",
    ];

    /// <summary>Slices <paramref name="model"/> in place as <paramref name="report"/> says.</summary>
    public static void Apply(OnnxModel model, StructuredPruningReport report)
    {
        var layers = report.Layers.ToDictionary(l => l.Node);
        foreach (var node in model.Graph.Nodes.ToArray())
        {
            switch (node.OpType)
            {
                case "Conv":
                {
                    var w = node.Inputs[1]!;
                    var kept = layers[node.Name].KeptChannels;
                    long group = node.GetAttribute("group")?.Int ?? 1;
                    if (group == 1) Slice(model, w, 1, KeptOf(node.Inputs[0]!, layers).Kept);
                    else if (group < layers[node.Name].ChannelsBefore)
                    {
                        // A grouped conv's weight holds C/group input columns, shared by every group.
                        int perGroup = (int)w.Initializer!.Dims[1];
                        Slice(model, w, 1, KeptOf(node.Inputs[0]!, layers).Kept.Where(c => c < perGroup).ToArray());
                    }
                    Slice(model, w, 0, kept);
                    if (node.Inputs.Count > 2) Slice(model, node.Inputs[2]!, 0, kept);
                    // A depthwise conv's group follows its channel count; another grouped conv keeps its groups, each smaller.
                    if (group > 1 && group == layers[node.Name].ChannelsBefore)
                    {
                        node.Attributes.RemoveAll(a => a.Name == "group");
                        node.Attributes.Add(NodeAttribute.FromInt("group", kept.Count));
                    }
                    break;
                }
                case "Gemm":
                {
                    bool transB = node.GetAttribute("transB") is { Int: 1 };
                    var b = node.Inputs[1]!;
                    var (inKept, inCount) = KeptOf(node.Inputs[0]!, layers);
                    int spatial = (int)b.Initializer!.Dims[transB ? 1 : 0] / inCount;
                    Slice(model, b, transB ? 1 : 0, inKept.SelectMany(c => Enumerable.Range(c * spatial, spatial)).ToArray());
                    var kept = layers[node.Name].KeptChannels;
                    Slice(model, b, transB ? 0 : 1, kept);
                    if (node.Inputs.Count > 2) Slice(model, node.Inputs[2]!, 0, kept);
                    break;
                }
                case "BatchNormalization":
                {
                    var kept = KeptOf(node.Inputs[0]!, layers).Kept;
                    for (int i = 1; i < 5; i++) Slice(model, node.Inputs[i]!, 0, kept);
                    break;
                }
            }
        }
    }

    /// <summary>The original indices still present on <paramref name="value"/>'s channel axis, and how many there were.</summary>
    private static (IReadOnlyList<int> Kept, int Count) KeptOf(Value value, Dictionary<string, PrunedLayer> layers)
    {
        var producer = value.Producer;
        if (producer is null)
        {
            int channels = (int)value.Shape![1].Size!.Value;
            return (Enumerable.Range(0, channels).ToArray(), channels);
        }
        if (layers.TryGetValue(producer.Name, out var layer)) return (layer.KeptChannels, layer.ChannelsBefore);
        if (producer.OpType == "Concat")
        {
            var kept = new List<int>();
            int offset = 0;
            foreach (var input in producer.Inputs)
            {
                var (k, count) = KeptOf(input!, layers);
                kept.AddRange(k.Select(c => c + offset));
                offset += count;
            }
            return (kept, offset);
        }
        if (PassThrough.Contains(producer.OpType)) return KeptOf(producer.Inputs[0]!, layers);
        throw new InvalidOperationException($"The reference does not know how {producer.OpType} moves channels.");
    }

    private static void Slice(OnnxModel model, Value value, int axis, IReadOnlyList<int> kept)
    {
        var tensor = ConstantValues.TryGetTensor(model, value)!;
        var dims = tensor.Dims.ToArray();
        var values = tensor.ToFloatArray();
        long outer = dims[..axis].Aggregate(1L, (a, d) => a * d), inner = dims[(axis + 1)..].Aggregate(1L, (a, d) => a * d);
        var result = new List<float>();
        for (long o = 0; o < outer; o++)
        {
            foreach (int k in kept) result.AddRange(values.AsSpan((int)((o * dims[axis] + k) * inner), (int)inner).ToArray());
        }
        dims[axis] = kept.Count;
        value.Initializer = Tensor.FromFloats(value.Name, dims, result.ToArray());
    }
}
