using System.Globalization;
using System.Runtime.InteropServices;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// The state one run of <see cref="StaticQuantizationPass"/> shares between operator quantizers,
/// beyond what every quantization run shares: the scale and zero-point initializers of each
/// quantized activation.
/// </summary>
internal sealed class StaticQuantizationContext(OnnxModel model, StaticQuantizationOptions options, IModelPass pass)
    : QuantizationRewriteContext<StaticQuantizationOptions>(model, options, pass)
{
    private readonly Dictionary<Value, (Value Scale, Value ZeroPoint)> _activationParameters = [];

    private readonly Dictionary<Value, double[]> _channelMeans = [];

    /// <summary>The mean of every channel (axis 1) of <paramref name="activation"/> over the calibration data, or null when it was not measured.</summary>
    public double[]? InputChannelMeans(Value activation) => _channelMeans.GetValueOrDefault(activation);

    /// <summary>Records what calibration measured of <paramref name="activation"/>'s channels.</summary>
    public void SetChannelMeans(Value activation, double[] means) => _channelMeans[activation] = means;

    private readonly Dictionary<Node, Rounding.InputGram> _inputGrams = [];
    private readonly Dictionary<Node, (float[] Scales, sbyte[] Values)> _compensated = [];

    /// <summary>Records the Gram matrix of what <paramref name="node"/>'s weights multiply, for error-compensated rounding.</summary>
    public void SetInputGram(Node node, Rounding.InputGram gram) => _inputGrams[node] = gram;

    /// <summary>
    /// <paramref name="quantized"/> with its weights rounded with error compensation
    /// (<see cref="Rounding.GptqRounding"/>) on the same grid, when calibration measured the
    /// node's input Gram matrix; as it is otherwise. A node quantized twice on the same grid (bias
    /// correction quantizes again) is rounded once.
    /// </summary>
    public StaticWeight ErrorCompensated(Node node, float[] values, StaticWeight quantized, int rows, int rowStride, int columnStride,
        Func<int, int> groupOfRow)
    {
        if (!_inputGrams.TryGetValue(node, out var gram)) return quantized;
        var weight = quantized.Weight;
        if (!_compensated.TryGetValue(node, out var done) || !done.Scales.AsSpan().SequenceEqual(weight.Scales))
        {
            bool symmetric = Options.Symmetric;
            int high = (1 << (WeightBits - 1)) - 1, low = symmetric ? -high : -(1 << (WeightBits - 1));
            int channels = weight.Scales.Length;
            int rowsPerChannel = rows / channels;
            var rounded = Rounding.GptqRounding.Round(values, weight, rows, rowStride, columnStride, r => channels == 1 ? 0 : r / rowsPerChannel, groupOfRow, gram, low, high);
            done = (weight.Scales, rounded ?? weight.Values);
            _compensated[node] = done;
        }
        return quantized with { Weight = weight with { Values = done.Values } };
    }

    /// <summary>
    /// Bits of the weight grid: 7 with <see cref="StaticQuantizationOptions.ReduceWeightRange"/>,
    /// else 8. Measured with ONNX Runtime 1.31.1 on an x86-64 CPU without VNNI (AVX2): its fused
    /// U8S8 kernels add pairs of u8·s8 products in 16 bits (VPMADDUBSW), which saturate with
    /// full-range int8 weights: ResNet18's features fell to a mean cosine of 0.98 against the float
    /// model, while the same QDQ model run unfused gave 0.9988. With 7-bit weights a pair is at
    /// most 255·64·2 = 32,640 and fits (ONNX Runtime's quantization tool calls this reduce_range).
    /// </summary>
    public int WeightBits => Options.ReduceWeightRange ? 7 : 8;

    /// <summary>
    /// The storage type of quantized weights. int8, except for full-range weights with uint8
    /// activations: those are stored as uint8 with 128 added to values and zero points (the same
    /// grid, shifted), so that ONNX Runtime runs them in its U8U8 kernels, which are exact but
    /// slower (ResNet18, one thread: int8/fp32 latency 0.83 against 0.57 for 7-bit int8 weights).
    /// With int8 activations the selectors require int8 weights (ConvNodeGroupSelector: weight
    /// type equal to input type).
    /// </summary>
    public ElementType WeightType
        => Options.ActivationType == ActivationType.UInt8 && !Options.ReduceWeightRange ? ElementType.UInt8 : ElementType.Int8;

    /// <summary>Why the activation input <paramref name="index"/> cannot be quantized (a constant, or not FLOAT); null when it can.</summary>
    public string? ActivationProblem(Node node, int index)
    {
        var value = index < node.Inputs.Count ? node.Inputs[index] : null;
        if (value is null) return string.Create(CultureInfo.InvariantCulture, $"its input {index} is missing");
        if (ConstantValues.TryGetTensor(Model, value) is not null || value.Initializer is not null)
        {
            return $"its input '{value.Name}' is a constant, not an activation";
        }
        var type = ValueTypes.ElementTypeOf(value);
        return type is ElementType.Float or ElementType.Undefined
            ? null
            : $"its input '{value.Name}' is {ElementTypes.OnnxName(type)}; only FLOAT activations are quantized";
    }

    /// <summary>
    /// Reads <paramref name="node"/>'s input <paramref name="index"/> through a new
    /// DequantizeLinear of int8 <paramref name="values"/> (shape <paramref name="dims"/>) with the
    /// given scales and zero points; <paramref name="axis"/> when per channel (scales of more than
    /// one element). The old constant is removed at the end if nothing else reads it.
    /// </summary>
    public void DequantizeWeight(Node node, int index, sbyte[] values, long[] dims, float[] scales, sbyte[] zeroPoints, int? axis)
    {
        var source = node.Inputs[index]!;
        var graph = node.Graph!;
        long[] scaleDims = axis is null ? [] : [scales.Length];
        var quantized = AddInitializer(graph, source.Name + "_quantized",
            name => Tensor.FromRawData(name, WeightType, dims, Stored(values)));
        var scale = AddFloats(graph, source.Name + "_scale", scaleDims, scales);
        var zeroPoint = AddInitializer(graph, source.Name + "_zero_point",
            name => Tensor.FromRawData(name, WeightType, scaleDims, Stored(zeroPoints)));
        ReadThroughDequantize(node, index, source, [quantized, scale, zeroPoint], axis);
    }

    /// <summary>
    /// Reads <paramref name="node"/>'s bias input <paramref name="index"/> through a new
    /// DequantizeLinear of int32 <paramref name="values"/> with <paramref name="scales"/> (axis 0
    /// when there is one scale per element) and zero point 0.
    /// </summary>
    public void DequantizeBias(Node node, int index, int[] values, long[] dims, float[] scales)
    {
        var source = node.Inputs[index]!;
        var graph = node.Graph!;
        bool perElement = scales.Distinct().Skip(1).Any();
        long[] scaleDims = perElement ? [scales.Length] : [];
        float[] storedScales = perElement ? scales : [scales[0]];
        var quantized = AddInitializer(graph, source.Name + "_quantized",
            name => Tensor.FromRawData(name, ElementType.Int32, dims, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        var scale = AddFloats(graph, source.Name + "_scale", scaleDims, storedScales);
        var zeroPoint = AddInitializer(graph, source.Name + "_zero_point",
            name => Tensor.FromRawData(name, ElementType.Int32, scaleDims, new byte[4 * storedScales.Length]));
        ReadThroughDequantize(node, index, source, [quantized, scale, zeroPoint], perElement ? 0 : null);
    }

    /// <summary>
    /// Quantizes <paramref name="activation"/>: one QuantizeLinear, then one DequantizeLinear per
    /// reading node, so that every consumer has a DequantizeLinear of its own (the node units
    /// ONNX Runtime's QDQ selectors match; a shared one would be duplicated by its
    /// EnsureUniqueDQForNodeUnit transformer anyway). Activations with the parameters of the same
    /// <paramref name="source"/> share its scale and zero-point initializers, which is how ONNX
    /// Runtime's IsQDQPairSupported sees them as equal.
    /// </summary>
    public void Quantize(Value activation, Value source, QuantizationParameters parameters)
    {
        var graph = Model.Graph;
        if (!_activationParameters.TryGetValue(source, out var shared))
        {
            var scale = AddFloats(graph, source.Name + "_scale", [], [parameters.Scale]);
            byte zero = parameters.Type == ElementType.UInt8 ? (byte)parameters.ZeroPoint : unchecked((byte)(sbyte)parameters.ZeroPoint);
            var zeroPoint = AddInitializer(graph, source.Name + "_zero_point",
                name => Tensor.FromRawData(name, parameters.Type, [], new[] { zero }));
            shared = (scale, zeroPoint);
            _activationParameters.Add(source, shared);
        }

        // Readers inside subgraphs keep the float value: a QuantizeLinear in the main graph must not
        // depend on a subgraph, and static quantization leaves subgraphs as they are.
        var readers = activation.Uses.Select(u => u.Node).Where(n => n.Graph == graph).Distinct().OrderBy(GraphEdits.IndexOf).ToArray();
        if (readers.Length == 0) return;
        var quantize = new Node("QuantizeLinear", [activation, shared.Scale, shared.ZeroPoint],
            [Names.Reserve(activation.Name + "_quantized")], Names.Reserve(activation.Name + "_QuantizeLinear"));
        GraphEdits.InsertBefore(readers[0], quantize);
        foreach (var reader in readers)
        {
            var dequantize = FloatLayerChannels(reader, activation) is { } channels
                ? PerAxisDequantize(quantize.Outputs[0]!, activation.Name, parameters, channels)
                : new Node("DequantizeLinear", [quantize.Outputs[0], shared.Scale, shared.ZeroPoint],
                    [Names.Reserve(activation.Name + "_dequantized")], Names.Reserve(activation.Name + "_DequantizeLinear"));
            GraphEdits.InsertBefore(reader, dequantize);
            for (int i = 0; i < reader.Inputs.Count; i++)
            {
                if (ReferenceEquals(reader.Inputs[i], activation)) reader.SetInput(i, dequantize.Outputs[0]);
            }
        }
    }

    /// <summary>
    /// The input channels of <paramref name="reader"/> when it is a Conv, ConvTranspose or Gemm
    /// left in float (a FLOAT constant weight) that reads <paramref name="activation"/> as its
    /// input 0 (axis and count); null otherwise. ONNX Runtime quantizes the weights of such a
    /// layer when its input comes from a per-tensor DequantizeLinear (its WeightBiasQuantization
    /// transformer, per tensor to 8 bits) and then fuses it like any quantized node, which would undo
    /// an exclusion or an accuracy-fallback decision (measured with ONNX Runtime 1.31.1: BlazeFace
    /// with its 16 depthwise Convs excluded ran all 16 as QLinearConv).
    /// </summary>
    private (int Axis, long Count)? FloatLayerChannels(Node reader, Value activation)
    {
        if (reader.Domain is not ("" or "ai.onnx") || reader.OpType is not ("Conv" or "ConvTranspose" or "Gemm")) return null;
        if (reader.Inputs.Count < 2 || !ReferenceEquals(reader.Inputs[0], activation) || reader.Inputs.Skip(1).Any(i => ReferenceEquals(i, activation))) return null;
        if (ConstantValues.TryGetTensor(Model, reader.Inputs[1]!) is not { ElementType: ElementType.Float } weight || weight.Dims.Count < 2) return null;
        var dims = weight.Dims;
        (int Axis, long Count) channels = reader.OpType switch
        {
            "Conv" => (1, dims[1] * (reader.GetAttribute("group")?.Int ?? 1)),
            "ConvTranspose" => (1, dims[0]),
            // Gemm's A is [M, K], or [K, M] with transA; K is B's axis 0, or axis 1 with transB.
            _ => ((reader.GetAttribute("transA")?.Int ?? 0) != 0 ? 0 : 1, (reader.GetAttribute("transB")?.Int ?? 0) != 0 ? dims[1] : dims[0]),
        };
        // A valid layer has at least one weight per input channel; a group attribute that claims
        // more (a corrupt model) keeps the per-tensor DequantizeLinear, and ONNX Runtime reports the model.
        return channels.Count > 0 && channels.Count <= weight.ElementCount ? channels : null;
    }

    /// <summary>
    /// A DequantizeLinear of <paramref name="quantized"/> on <paramref name="channels"/>'s axis with
    /// the per-tensor <paramref name="parameters"/> repeated for every channel: the same values, but
    /// not the per-tensor DequantizeLinear that ONNX Runtime's WeightBiasQuantization looks for.
    /// </summary>
    private Node PerAxisDequantize(Value quantized, string activationName, QuantizationParameters parameters, (int Axis, long Count) channels)
    {
        var graph = Model.Graph;
        var scale = AddFloats(graph, activationName + "_channel_scale", [channels.Count], Enumerable.Repeat(parameters.Scale, (int)channels.Count).ToArray());
        byte zero = parameters.Type == ElementType.UInt8 ? (byte)parameters.ZeroPoint : unchecked((byte)(sbyte)parameters.ZeroPoint);
        var zeroPoint = AddInitializer(graph, activationName + "_channel_zero_point",
            name => Tensor.FromRawData(name, parameters.Type, [channels.Count], Enumerable.Repeat(zero, (int)channels.Count).ToArray()));
        var dequantize = new Node("DequantizeLinear", [quantized, scale, zeroPoint],
            [Names.Reserve(activationName + "_dequantized")], Names.Reserve(activationName + "_DequantizeLinear"));
        dequantize.Attributes.Add(NodeAttribute.FromInt("axis", channels.Axis));
        return dequantize;
    }

    private void ReadThroughDequantize(Node node, int index, Value source, Value[] inputs, int? axis)
    {
        var dequantize = new Node("DequantizeLinear", inputs, [Names.Reserve(source.Name + "_dequantized")],
            Names.Reserve(source.Name + "_DequantizeLinear"));
        if (axis is { } a) dequantize.Attributes.Add(NodeAttribute.FromInt("axis", a));
        GraphEdits.InsertBefore(node, dequantize);
        node.SetInput(index, dequantize.Outputs[0]);
        RemoveLaterIfUnused(source);
    }

    /// <summary>int8 values in the storage type: as they are, or shifted by 128 into uint8 (see <see cref="WeightType"/>).</summary>
    private byte[] Stored(sbyte[] values)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (WeightType == ElementType.UInt8)
        {
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(values[i] + 128);
        }
        return bytes;
    }
}
