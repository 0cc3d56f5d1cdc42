using System.Runtime.InteropServices;
using ModelOpt.Core.Graphs;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>
/// The state one run of <see cref="DynamicQuantizationPass"/> shares between operator
/// quantizers, beyond what every quantization run shares: quantized weights (one copy per weight
/// even when several nodes read it) and shared activation quantizers.
/// </summary>
internal sealed class QuantizationContext(OnnxModel model, DynamicQuantizationOptions options, IModelPass pass)
    : QuantizationRewriteContext<DynamicQuantizationOptions>(model, options, pass)
{
    private readonly Dictionary<(Graph Graph, Value Weight, string Variant, bool ReduceRange), WeightValues> _weights = [];
    private readonly Dictionary<(Graph Graph, Value Activation), ActivationValues> _sharedActivations = [];
    private readonly Dictionary<(Graph Graph, Value Table), QuantizedTable> _tables = [];

    /// <summary>Why the activation input is not FLOAT, as DynamicQuantizeLinear needs; null when it is or cannot be told.</summary>
    public static string? ActivationProblem(Node node)
    {
        // The weight is FLOAT and ONNX gives MatMul, Gemm and Conv one type T for both, so an
        // undeclared activation type is FLOAT as well.
        var type = node.Inputs[0] is { } input ? ValueTypes.ElementTypeOf(input) : ElementType.Undefined;
        return type is ElementType.Undefined or ElementType.Float
            ? null
            : $"its input '{node.Inputs[0]!.Name}' is {ElementTypes.OnnxName(type)}; DynamicQuantizeLinear takes FLOAT";
    }

    /// <summary>
    /// Adds the 8-bit form of a weight as initializers of <paramref name="node"/>'s graph, once
    /// per (weight, <paramref name="variant"/>): the values with <paramref name="dims"/>, the
    /// scales with <paramref name="scaleDims"/>, and the zero point (a scalar when it is the same
    /// for every channel, else shaped like the scales). <paramref name="reduceRange"/> asks for
    /// INT8 on the 7-bit grid instead of the full grid stored as UINT8.
    /// </summary>
    /// <remarks>
    /// Measured with ONNX Runtime 1.31.1 on CPU: MatMulInteger and ConvInteger accept uint8
    /// activations with int8 or uint8 weights, but with int8 weights on x86-64 CPUs without VNNI
    /// (AVX2, AVX-512F) the kernels add pairs of u8·s8 products in 16 bits (VPMADDUBSW) and
    /// saturate: a [4×48]·[48×20] product with full-range int8 weights was off by up to 26,229 in
    /// int32 (see ONNX Runtime's quantization documentation on "reduce_range" and U8U8). A built
    /// model must be right on every machine, so int8 weights are stored only on the 7-bit grid
    /// (<see cref="DynamicQuantizationOptions.ReduceRange"/>, exact there, and twice as fast for
    /// MatMulInteger);
    /// full 8-bit weights are stored as UINT8 with 128 added to values and zero points, the same
    /// number line shifted (symmetric int8 [-127, 127] with zero point 0 becomes [1, 255] with zero
    /// point 128), which the uint8 × uint8 kernels compute exactly.
    /// </remarks>
    public WeightValues AddQuantizedWeight(Node node, int index, string variant, Func<float[]> values, long[] dims,
        int channels, long innerStride, long[] scaleDims, bool reduceRange)
    {
        var source = node.Inputs[index]!;
        var key = (node.Graph!, source, variant, reduceRange);
        if (_weights.TryGetValue(key, out var existing)) return existing;

        var weight = WeightQuantizer.Quantize(values(), channels, innerStride, Options.Symmetric, bits: reduceRange ? 7 : 8);
        var result = AddStored(node.Graph!, source, weight.Values, dims, weight, scaleDims, reduceRange, scalarZeroPoint: true);
        _weights.Add(key, result);
        return result;
    }

    /// <summary>
    /// Adds the 8-bit form of an LSTM's input or recurrence weight (input <paramref name="index"/>,
    /// FLOAT <c>[D, 4H, K]</c>) as <c>com.microsoft.DynamicQuantizeLSTM</c> reads it: the values
    /// transposed to <c>[D, K, 4H]</c>, one scale and zero point per direction and gate unit
    /// (<c>[D, 4H]</c>, per channel) or per direction (<c>[D]</c>), with the storage rules of
    /// <see cref="AddQuantizedWeight"/> (the operator runs the same u8·s8 or u8·u8 kernels).
    /// Always symmetric: ONNX Runtime 1.31 refuses any other weight zero point ("InputWeight zero
    /// point must be zero").
    /// </summary>
    public WeightValues AddQuantizedRecurrentWeight(Node node, int index)
    {
        var source = node.Inputs[index]!;
        var dims = ConstantValues.TryGetTensor(Model, source)!.Dims;
        long directions = dims[0], gates = dims[1], inner = dims[2];
        bool perChannel = Options.PerChannel, signed = Options.ReduceRange;
        // In the ONNX layout [D, 4H, K] element i belongs to (direction, gate unit) i / K: channels D·4H with stride K.
        var weight = WeightQuantizer.Quantize(ReadWeight(node, index), perChannel ? (int)(directions * gates) : (int)directions,
            perChannel ? inner : gates * inner, symmetric: true, bits: signed ? 7 : 8);
        var transposed = new sbyte[weight.Values.Length];
        for (long d = 0; d < directions; d++)
        {
            for (long g = 0; g < gates; g++)
            {
                for (long k = 0; k < inner; k++) transposed[(((d * inner) + k) * gates) + g] = weight.Values[(((d * gates) + g) * inner) + k];
            }
        }
        long[] parameterDims = perChannel ? [directions, gates] : [directions];
        return AddStored(node.Graph!, source, transposed, [directions, inner, gates], weight, parameterDims, signed, scalarZeroPoint: false);
    }

    /// <summary>
    /// The storage part of <see cref="AddQuantizedWeight"/> and <see cref="AddQuantizedRecurrentWeight"/>:
    /// adds <paramref name="values"/> (the weight's values, in the layout the operator reads) with
    /// <paramref name="dims"/>, its scales and zero points with <paramref name="scaleDims"/>, as
    /// INT8 on the 7-bit grid when <paramref name="signed"/>, else shifted to UINT8 (see
    /// <see cref="AddQuantizedWeight"/>), and marks <paramref name="source"/> for removal.
    /// With <paramref name="scalarZeroPoint"/>, a zero point the same for every channel is stored
    /// as a scalar; DynamicQuantizeLSTM wants it shaped like the scales always.
    /// </summary>
    private WeightValues AddStored(Graph graph, Value source, sbyte[] values, long[] dims, QuantizedWeight weight, long[] scaleDims, bool signed, bool scalarZeroPoint)
    {
        var storage = signed ? ElementType.Int8 : ElementType.UInt8;
        var quantized = AddInitializer(graph, source.Name + "_quantized", name => Tensor.FromRawData(name, storage, dims, ToStored(values, signed)));
        var scale = AddFloats(graph, source.Name + "_scale", scaleDims, weight.Scales);
        bool oneZeroPoint = scalarZeroPoint && weight.ZeroPoints.All(z => z == weight.ZeroPoints[0]);
        var zeroPoint = AddInitializer(graph, source.Name + "_zero_point",
            name => Tensor.FromRawData(name, storage, oneZeroPoint ? [] : scaleDims, ToStored(oneZeroPoint ? weight.ZeroPoints.AsSpan(0, 1) : weight.ZeroPoints, signed)));
        RemoveLaterIfUnused(source);
        return new WeightValues(quantized, scale, zeroPoint);
    }

    /// <summary>
    /// Adds the int8 form of a constant [V, H] table (input <paramref name="index"/> of
    /// <paramref name="node"/>) for <see cref="EmbeddingQuantizer"/>, once per table: INT8 values
    /// on the full grid ([-127, 127] symmetric, [-128, 127] asymmetric; nothing multiplies them in
    /// integers, so the 16-bit overflow that <see cref="AddQuantizedWeight"/> avoids cannot happen),
    /// scales and zero points per row or per tensor. The zero points are stored as FLOAT because
    /// they are subtracted after the Cast.
    /// </summary>
    public QuantizedTable AddQuantizedTable(Node node, int index)
    {
        var source = node.Inputs[index]!;
        var key = (node.Graph!, source);
        if (_tables.TryGetValue(key, out var existing)) return existing;

        var dims = ConstantValues.TryGetTensor(Model, source)!.Dims;
        long rows = dims[0], width = dims[1];
        bool perRow = Options.PerChannel;
        // Element i of a row-major [V, H] table is in row i / H: channels V with stride H.
        var weight = WeightQuantizer.Quantize(ReadWeight(node, index), perRow ? (int)rows : 1, perRow ? width : rows * width, Options.Symmetric);
        long[] parameterDims = perRow ? [rows, 1] : [];
        var graph = node.Graph!;
        var quantized = AddInitializer(graph, source.Name + "_quantized",
            name => Tensor.FromRawData(name, ElementType.Int8, [rows, width], MemoryMarshal.AsBytes(weight.Values.AsSpan()).ToArray()));
        var scales = AddFloats(graph, source.Name + "_scale", parameterDims, weight.Scales);
        Value? zeroPoints = Options.Symmetric
            ? null
            : AddFloats(graph, source.Name + "_zero_point", parameterDims, [.. weight.ZeroPoints.Select(z => (float)z)]);
        var result = new QuantizedTable(quantized, scales, zeroPoints, perRow);
        _tables.Add(key, result);
        RemoveLaterIfUnused(source);
        return result;
    }

    /// <summary>
    /// Quantizes <paramref name="activation"/> to uint8 at run time with DynamicQuantizeLinear
    /// inserted before <paramref name="consumer"/>. With <paramref name="share"/>, consumers of the
    /// same activation reuse one; MatMul and Gemm get their own, because ONNX Runtime fuses
    /// DynamicQuantizeLinear into DynamicQuantizeMatMul only when its outputs have one reader each
    /// (onnxruntime/core/optimizer/dynamic_quantize_matmul_fusion.cc).
    /// </summary>
    public ActivationValues QuantizeActivation(Node consumer, Value activation, bool share)
    {
        var key = (consumer.Graph!, activation);
        if (share && _sharedActivations.TryGetValue(key, out var shared)) return shared;

        string baseName = share ? activation.Name : GraphEdits.BaseName(consumer) + "_input";
        var node = new Node("DynamicQuantizeLinear", [activation],
            [Names.Reserve(baseName + "_quantized"), Names.Reserve(baseName + "_scale"), Names.Reserve(baseName + "_zero_point")],
            Names.Reserve(baseName + "_DynamicQuantizeLinear"));
        GraphEdits.InsertBefore(consumer, node);
        var result = new ActivationValues(node.Outputs[0]!, node.Outputs[1]!, node.Outputs[2]!);
        if (share) _sharedActivations.Add(key, result);
        return result;
    }

    /// <summary>
    /// Finishes the rewrite of <paramref name="original"/>: <paramref name="integerOp"/> (int32
    /// result) → Cast to FLOAT → Mul by (activation scale × weight scale) → Add
    /// <paramref name="bias"/> when given, the last node producing the original output; then the
    /// original node leaves the graph. This is the shape ONNX Runtime's
    /// MatMulIntegerToFloatFusion matches (onnxruntime/core/optimizer/matmul_integer_to_float.cc):
    /// the scale product is Mul(activation scale, weight scale) in that order, and the bias is the
    /// second input of the Add.
    /// </summary>
    public void ReplaceWithScaledProduct(Node original, Node integerOp, ActivationValues activation, WeightValues weight, Value? bias)
    {
        string baseName = GraphEdits.BaseName(original);
        var cast = new Node("Cast", [integerOp.Outputs[0]], [Names.Reserve(baseName + "_float")], Names.Reserve(baseName + "_Cast"));
        cast.Attributes.Add(NodeAttribute.FromInt("to", (long)ElementType.Float));
        var scale = new Node("Mul", [activation.Scale, weight.Scale], [Names.Reserve(baseName + "_output_scale")], Names.Reserve(baseName + "_scale_Mul"));
        var rescale = new Node("Mul", [cast.Outputs[0], scale.Outputs[0]], bias is null ? [] : [Names.Reserve(baseName + "_unbiased")], Names.Reserve(baseName + "_rescale_Mul"));
        var last = rescale;
        var nodes = new List<Node> { integerOp, cast, scale, rescale };
        if (bias is not null)
        {
            last = new Node("Add", [rescale.Outputs[0], bias], [], Names.Reserve(baseName + "_bias_Add"));
            nodes.Add(last);
        }
        GraphEdits.InsertBefore(original, [.. nodes]);
        var output = original.Outputs[0]!;
        original.Graph!.RemoveNode(original);
        last.AddOutput(output);
    }

    /// <summary>Inserts a helper node (a Transpose, a bias Reshape) before <paramref name="anchor"/> and returns its output.</summary>
    public Value InsertBefore(Node anchor, string opType, Value?[] inputs, string outputHint, params NodeAttribute[] attributes)
    {
        var node = new Node(opType, inputs, [Names.Reserve(outputHint)], Names.Reserve(outputHint + "_" + opType));
        node.Attributes.AddRange(attributes);
        GraphEdits.InsertBefore(anchor, node);
        return node.Outputs[0]!;
    }

    /// <summary>The raw bytes of int8 values: as they are for INT8, plus 128 for UINT8 (see <see cref="AddQuantizedWeight"/>).</summary>
    private static byte[] ToStored(ReadOnlySpan<sbyte> values, bool signed)
    {
        if (signed) return MemoryMarshal.AsBytes(values).ToArray();
        var result = new byte[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (byte)(values[i] + 128);
        return result;
    }
}
