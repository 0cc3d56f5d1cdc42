using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Folding;

/// <summary>
/// Replaces <c>Add(Mul(x, a), b)</c>, with a and b constants that are scalars or hold one value
/// per channel of x (axis 1), by one <c>BatchNormalization(x, scale = a, B = b, mean = 0,
/// var = 1)</c> with epsilon 0, which computes <c>x·a + b</c> per channel in one pass over the
/// activation instead of two. In a statically quantized mobile net these pairs sit in the float
/// islands between the int8 Convs: PP-LCNetV3's learnable affine blocks around each HardSwish,
/// made per-channel by affine equalization (<c>Conv → Q → DQ → Mul → Add → HardSwish → Mul →
/// Add → Q</c>). On PP-OCRv4's detector, 51 pairs, the quantized model ran ×0.78 of the unfused one
/// with the same outputs.
/// </summary>
/// <remarks>
/// Equal, not only close: ONNX Runtime's CPU BatchNormalization computes
/// <c>x·(scale/√(var + ε)) + (B − mean·scale/√(var + ε))</c>, which with mean 0, var 1 and ε 0 is
/// <c>x·a + b</c>, rounded after the product and after the sum as the two nodes were (right
/// after a float Conv, ONNX Runtime folds either form into the Conv, each with its own rounding,
/// so the results there agree to the last bit or two). Fused only
/// where that holds for every shape: FLOAT x and constants; x's rank and channel count are known
/// (<see cref="ChannelLayout"/>), the constants broadcast on axis 1 alone, so the result has x's
/// shape; the Mul's output is read by the Add alone and is no graph output; opset 9 or later
/// (BatchNormalization without the <c>spatial</c> attribute). Main graph only. Runs after
/// quantization: before it, the BatchNormalization would be read as statistics (data-free
/// calibration) and folded into the Conv it follows.
/// </remarks>
public sealed class ChannelAffineFusionPass : IModelPass<ChannelAffineFusionReport>
{
    /// <summary>The first opset whose BatchNormalization has no <c>spatial</c> attribute.</summary>
    private const int MinimumOpset = 9;

    /// <inheritdoc/>
    public string Name => "ChannelAffineFusion";

    /// <summary>None: a model older than opset 9 keeps its pairs.</summary>
    public long? RequiredOpset(OnnxModel model) => null;

    /// <inheritdoc/>
    public PassResult<ChannelAffineFusionReport> Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.GetOpsetVersion("") is not { } opset || opset < MinimumOpset) return PassResult.Create(this, false, new ChannelAffineFusionReport(0));
        var names = NameScope.ForModel(model);
        var removable = new List<Value>();
        var statistics = new Dictionary<int, (Value Mean, Value Variance)>();
        int fused = 0;
        // A copy: fusing edits the node list, and a fused BatchNormalization is a valid step for the next pair's channel walk.
        foreach (var mul in model.Graph.Nodes.ToArray())
        {
            if (Pair(model, mul) is not { } pair) continue;
            PassErrors.OnNode(this, model, mul, () => Fuse(model, names, pair, statistics, removable));
            fused++;
        }
        foreach (var value in removable) GraphEdits.RemoveConstantIfUnused(model, value);
        return PassResult.Create(this, fused > 0, new ChannelAffineFusionReport(fused));
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>
    /// Puts the BatchNormalization in place of the pair. <paramref name="statistics"/> holds the
    /// zero means and unit variances made so far, by channel count: every BatchNormalization of
    /// one width reads the same two.
    /// </summary>
    private static bool Fuse(OnnxModel model, NameScope names, AffinePair pair, Dictionary<int, (Value Mean, Value Variance)> statistics, List<Value> removable)
    {
        var graph = model.Graph;
        int channels = pair.Channels;
        string baseName = GraphEdits.BaseName(pair.Mul);
        Value Vector(string hint, float[] values) => GraphEdits.AddInitializer(graph, names, hint, n => Tensor.FromFloats(n, [channels], values));
        var scale = Vector(baseName + "_scale", PerChannel(model, pair.Scale, channels));
        var bias = Vector(baseName + "_bias", PerChannel(model, pair.Bias, channels));
        if (!statistics.TryGetValue(channels, out var shared))
        {
            string width = channels.ToString(System.Globalization.CultureInfo.InvariantCulture);
            shared = (Vector($"affine_zero_mean_{width}", new float[channels]), Vector($"affine_unit_variance_{width}", Enumerable.Repeat(1f, channels).ToArray()));
            statistics.Add(channels, shared);
        }
        var (mean, variance) = shared;
        var batchNorm = new Node("BatchNormalization", [pair.X, scale, bias, mean, variance], [], names.Reserve(baseName + "_affine"));
        batchNorm.Attributes.Add(NodeAttribute.FromFloat("epsilon", 0f));

        var product = pair.Mul.Outputs[0]!;
        GraphEdits.Replace(pair.Add, batchNorm);
        graph.RemoveNode(pair.Mul);
        graph.ValueInfos.Remove(product);
        removable.Add(pair.Scale);
        removable.Add(pair.Bias);
        return true;
    }

    /// <summary>The constant's values, one per channel (a scalar repeated).</summary>
    private static float[] PerChannel(OnnxModel model, Value constant, int channels)
    {
        var values = ConstantValues.TryGetTensor(model, constant)!.ToFloatArray();
        return values.Length == channels ? values : Enumerable.Repeat(values[0], channels).ToArray();
    }

    /// <summary>The fusable pair that starts at <paramref name="mul"/>, or null.</summary>
    private static AffinePair? Pair(OnnxModel model, Node mul)
    {
        if (!IsDefault(mul, "Mul") || mul.Graph != model.Graph || mul.Inputs.Count != 2 || mul.Outputs.Count != 1 || mul.Outputs[0] is not { } product) return null;
        if (product.Uses.Count != 1 || GraphEdits.IsGraphOutput(model, product)) return null;
        var add = product.Uses[0].Node;
        if (!IsDefault(add, "Add") || add.Inputs.Count != 2 || add.Outputs.Count != 1 || add.Outputs[0] is null) return null;
        int a = IsFloatConstant(model, mul.Inputs[0]) ? 0 : 1;
        if (mul.Inputs[1 - a] is not { } x || mul.Inputs[a] is not { } scale || !IsFloatConstant(model, scale) || IsFloatConstant(model, x)) return null;
        if (add.Inputs[1 - product.Uses[0].InputIndex] is not { } bias || bias == product || !IsFloatConstant(model, bias)) return null;
        if (ValueTypes.ElementTypeOf(x) != ElementType.Float || ChannelLayout.Of(model, x) is not { } layout) return null;
        if (!layout.BroadcastsOnChannels(model, scale) || !layout.BroadcastsOnChannels(model, bias)) return null;
        return new AffinePair(x, mul, scale, add, bias, layout.Channels);
    }

    private static bool IsDefault(Node node, string opType) => node.OpType == opType && node.Domain is "" or "ai.onnx";

    private static bool IsFloatConstant(OnnxModel model, Value? value)
        => value is not null && ConstantValues.TryGetTensor(model, value) is { ElementType: ElementType.Float };

    /// <summary><c>Add(Mul(X, Scale), Bias)</c>, X with <see cref="Channels"/> channels on axis 1.</summary>
    private sealed record AffinePair(Value X, Node Mul, Value Scale, Node Add, Value Bias, int Channels);
}
