using System.Runtime.InteropServices;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Distillation.Tests.Converters;

/// <summary>A model of (mostly) one node and the inputs to run it on, for a converter's parity test.</summary>
internal sealed record OneNodeCase(OnnxModel Model, FloatInput[] Inputs);

/// <summary>
/// Models built in code around one operator each, covering the attributes and opset versions the
/// converters handle; inputs and weights are seeded random numbers.
/// </summary>
internal static class OneNodeModels
{
    private static readonly Dictionary<string, Func<OneNodeCase>> Cases = new(StringComparer.Ordinal)
    {
        ["Conv 2-D pads strides bias"] = () => Unary(13, [1, 3, 9, 9], (b, x) => b.Op("Conv", [x, W(b, "w", 4, 3, 3, 3), W(b, "b", 4)], "y", Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2))),
        ["Conv asymmetric pads dilation groups"] = () => Unary(13, [1, 4, 8, 8], (b, x) => b.Op("Conv", [x, W(b, "w", 6, 2, 3, 3)], "y", Ints("pads", 0, 1, 2, 1), Ints("dilations", 2, 1), Int("group", 2))),
        ["Conv SAME_UPPER stride 2"] = () => Unary(11, [1, 2, 7, 6], (b, x) => b.Op("Conv", [x, W(b, "w", 3, 2, 3, 3), W(b, "b", 3)], "y", Str("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2))),
        ["Conv 1-D"] = () => Unary(13, [2, 3, 10], (b, x) => b.Op("Conv", [x, W(b, "w", 4, 3, 3), W(b, "b", 4)], "y", Ints("pads", 1, 0), Ints("strides", 2))),
        ["ConvTranspose strides output_padding"] = () => Unary(13, [1, 4, 5, 5], (b, x) => b.Op("ConvTranspose", [x, W(b, "w", 4, 3, 3, 3), W(b, "b", 3)], "y", Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Ints("output_padding", 1, 1))),
        ["ConvTranspose asymmetric pads groups"] = () => Unary(13, [1, 4, 4, 4], (b, x) => b.Op("ConvTranspose", [x, W(b, "w", 4, 1, 2, 2)], "y", Ints("strides", 2, 2), Ints("pads", 0, 1, 1, 0), Int("group", 2))),
        ["Gemm transB alpha beta"] = () => Unary(13, [2, 5], (b, x) => b.Op("Gemm", [x, W(b, "w", 4, 5), W(b, "c", 4)], "y", Int("transB", 1), Float("alpha", 0.5f), Float("beta", 2f))),
        ["Gemm transA"] = () => Unary(9, [5, 2], (b, x) => b.Op("Gemm", [x, W(b, "w", 5, 3), W(b, "c", 2, 3)], "y", Int("transA", 1))),
        ["MatMul batched"] = () => Unary(13, [2, 3, 5], (b, x) => b.Op("MatMul", [x, W(b, "w", 5, 4)], "y")),
        ["Add broadcast"] = () => Unary(13, [2, 3, 4], (b, x) => b.Op("Add", [x, W(b, "b", 4)], "y")),
        ["Sub broadcast"] = () => Unary(13, [2, 3, 4], (b, x) => b.Op("Sub", [W(b, "b", 3, 1), x], "y")),
        ["Mul broadcast"] = () => Unary(13, [2, 3, 4], (b, x) => b.Op("Mul", [x, W(b, "s", 1, 3, 1)], "y")),
        ["Div broadcast"] = () => Unary(13, [2, 3, 4], (b, x) => b.Op("Div", [x, b.Weight("d", [4], [2f, -4f, 0.5f, 8f])], "y")),
        ["Pow and Sqrt"] = () => Unary(13, [2, 6], (b, x) => b.Op("Sqrt", [b.Op("Pow", [x, b.Weight("two", [], [2f])], "squared")], "y")),
        ["Relu"] = () => Activation(13, "Relu"),
        ["Sigmoid"] = () => Activation(13, "Sigmoid"),
        ["Tanh"] = () => Activation(13, "Tanh"),
        ["Erf"] = () => Activation(13, "Erf"),
        ["Exp Neg Abs"] = () => Unary(13, [3, 4], (b, x) => b.Op("Exp", [b.Op("Neg", [b.Op("Abs", [x], "a")], "n")], "y")),
        ["HardSwish"] = () => Activation(14, "HardSwish"),
        ["HardSigmoid alpha beta"] = () => Activation(13, "HardSigmoid", Float("alpha", 0.3f), Float("beta", 0.4f)),
        ["LeakyRelu alpha"] = () => Activation(13, "LeakyRelu", Float("alpha", 0.1f)),
        ["Gelu exact"] = () => Activation(20, "Gelu"),
        ["Gelu tanh"] = () => Activation(20, "Gelu", Str("approximate", "tanh")),
        ["Clip inputs (ReLU6)"] = () => Unary(11, [2, 3, 4], (b, x) => b.Op("Clip", [b.Op("Mul", [x, b.Weight("k", [], [5f])], "m"), b.Weight("lo", [], [0f]), b.Weight("hi", [], [6f])], "y")),
        ["Clip attributes opset 6"] = () => Activation(6, "Clip", Float("min", -0.5f), Float("max", 0.25f)),
        ["PRelu"] = () => Unary(13, [2, 3, 4, 4], (b, x) => b.Op("PRelu", [x, W(b, "slope", 3, 1, 1)], "y")),
        ["Softmax opset 11 coerced"] = () => Activation(11, "Softmax", Int("axis", 1)),
        ["Softmax opset 13 axis 1"] = () => Activation(13, "Softmax", Int("axis", 1)),
        ["LogSoftmax opset 13"] = () => Activation(13, "LogSoftmax"),
        ["BatchNormalization eval"] = () => Unary(15, [2, 3, 4, 4], (b, x) => b.Op("BatchNormalization", [x, W(b, "scale", 3), W(b, "bias", 3), W(b, "mean", 3), Positive(b, "var", 3)], "y", Float("epsilon", 1e-3f))),
        ["BatchNormalization opset 7 spatial"] = () => Unary(7, [2, 3, 4, 4], (b, x) => b.Op("BatchNormalization", [x, W(b, "scale", 3), W(b, "bias", 3), W(b, "mean", 3), Positive(b, "var", 3)], "y", Int("spatial", 1))),
        ["LayerNormalization"] = () => Unary(17, [2, 3, 8], (b, x) => b.Op("LayerNormalization", [x, W(b, "scale", 8), W(b, "bias", 8)], "y", Float("epsilon", 1e-6f))),
        ["LayerNormalization two axes"] = () => Unary(17, [2, 3, 8], (b, x) => b.Op("LayerNormalization", [x, W(b, "scale", 3, 8)], "y", Int("axis", -2))),
        ["Reshape with 0 and -1"] = () => Unary(13, [2, 3, 4], (b, x) => b.Op("Reshape", [x, b.Int64s("shape", 0, -1, 2)], "y")),
        ["Reshape opset 1 attribute"] = () => Unary(1, [2, 3, 4], (b, x) => b.Op("Reshape", [x], "y", Ints("shape", 4, 6))),
        ["Flatten axis 2"] = () => Activation(13, "Flatten", Int("axis", 2)),
        ["Transpose perm"] = () => Activation(13, "Transpose", Ints("perm", 2, 0, 3, 1)),
        ["Concat with weight"] = () => Unary(13, [2, 3, 4], (b, x) => b.Op("Concat", [x, W(b, "extra", 2, 2, 4)], "y", Int("axis", 1))),
        ["Split sizes input"] = () => Multi(13, [2, 6, 3], (b, x) => b.Node("Split", [x, b.Int64s("sizes", 2, 4)], ["y0", "y1"], "split", Int("axis", 1)).Outputs),
        ["Split equal opset 11"] = () => Multi(11, [2, 6, 3], (b, x) => b.Node("Split", [x], ["y0", "y1", "y2"], "split", Int("axis", -2)).Outputs),
        ["Slice steps and negative step"] = () => Unary(13, [4, 6, 5], (b, x) => b.Op("Slice", [x, b.Int64s("starts", 1, -1, 0), b.Int64s("ends", 100, 0, 5), b.Int64s("axes", 0, 1, 2), b.Int64s("steps", 2, -2, 1)], "y")),
        ["Slice opset 9 attributes"] = () => Unary(9, [4, 6], (b, x) => b.Op("Slice", [x], "y", Ints("starts", 1, -3), Ints("ends", 3, 1000), Ints("axes", 0, 1))),
        ["Squeeze and Unsqueeze inputs"] = () => Unary(13, [2, 1, 3, 1], (b, x) => b.Op("Unsqueeze", [b.Op("Squeeze", [x, b.Int64s("sq", 1, -1)], "s"), b.Int64s("un", 0, -1)], "y")),
        ["Squeeze and Unsqueeze attributes"] = () => Unary(11, [2, 1, 3], (b, x) => b.Op("Unsqueeze", [b.Op("Squeeze", [x], "s")], "y", Ints("axes", 1, 3))),
        ["Gather axis 0 (embedding)"] = () => Unary(13, [2, 3], (b, x) => b.Op("Add", [b.Op("Gather", [W(b, "table", 5, 3), b.Int64s("ids", 0, 4, -1, 2)], "rows"), b.Op("ReduceSum", [x, b.Int64s("axes", 0)], "sum", Int("keepdims", 0))], "y")),
        ["Gather axis 1 matrix indices"] = () => Unary(13, [3, 5], (b, x) => b.Op("Gather", [x, Int64Matrix(b, "ids", 2, 2, [4, 0, -2, 1])], "y", Int("axis", 1))),
        ["Pad constant value"] = () => Unary(13, [1, 2, 3, 4], (b, x) => b.Op("Pad", [x, b.Int64s("pads", 0, 0, 1, 2, 0, 0, 2, -1), b.Weight("value", [], [1.5f])], "y")),
        ["Pad reflect"] = () => Unary(13, [1, 2, 4, 5], (b, x) => b.Op("Pad", [x, b.Int64s("pads", 0, 0, 2, 1, 0, 0, 1, 3)], "y", Str("mode", "reflect"))),
        ["Pad edge NHWC"] = () => Unary(13, [1, 4, 5, 2], (b, x) => b.Op("Pad", [x, b.Int64s("pads", 0, 1, 2, 0, 0, 2, 1, 0)], "y", Str("mode", "edge"))),
        ["Pad opset 2 attributes"] = () => Unary(2, [2, 3], (b, x) => b.Op("Pad", [x], "y", Ints("pads", 1, 0, 0, 2), Float("value", -1f))),
        ["Resize nearest asymmetric floor"] = () => Unary(13, [1, 2, 3, 4], (b, x) => b.Op("Resize", [x, null, b.Weight("scales", [4], [1, 1, 2, 2])], "y", Str("coordinate_transformation_mode", "asymmetric"), Str("nearest_mode", "floor"))),
        ["Resize nearest half_pixel round"] = () => Unary(13, [1, 2, 5, 4], (b, x) => b.Op("Resize", [x, null, null, b.Int64s("sizes", 1, 2, 3, 7)], "y")),
        ["Resize linear half_pixel sizes"] = () => Unary(13, [1, 2, 5, 4], (b, x) => b.Op("Resize", [x, null, null, b.Int64s("sizes", 1, 2, 9, 7)], "y", Str("mode", "linear"))),
        ["Resize linear align_corners"] = () => Unary(11, [1, 2, 5, 4], (b, x) => b.Op("Resize", [x, b.Weight("roi", [0], []), b.Weight("scales", [4], [1, 1, 1.6f, 2])], "y", Str("mode", "linear"), Str("coordinate_transformation_mode", "align_corners"))),
        ["Resize linear pytorch_half_pixel shrink"] = () => Unary(13, [1, 2, 8, 6], (b, x) => b.Op("Resize", [x, null, b.Weight("scales", [4], [1, 1, 0.5f, 0.75f])], "y", Str("mode", "linear"), Str("coordinate_transformation_mode", "pytorch_half_pixel"))),
        ["Resize opset 10 nearest"] = () => Unary(10, [1, 2, 3, 3], (b, x) => b.Op("Resize", [x, b.Weight("scales", [4], [1, 1, 2, 3])], "y")),
        ["MaxPool pads strides"] = () => Activation(13, "MaxPool", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2)),
        ["MaxPool SAME_UPPER ceil"] = () => Activation(13, "MaxPool", Ints("kernel_shape", 2, 2), Str("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2)),
        ["MaxPool ceil_mode dilation"] = () => Activation(13, "MaxPool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1), Ints("dilations", 1, 2)),
        ["AveragePool exclude pads"] = () => Activation(13, "AveragePool", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2)),
        ["AveragePool include pads"] = () => Activation(13, "AveragePool", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Int("count_include_pad", 1)),
        ["AveragePool asymmetric pads"] = () => Activation(13, "AveragePool", Ints("kernel_shape", 2, 3), Ints("pads", 0, 1, 1, 0), Ints("strides", 1, 2)),
        ["GlobalAveragePool"] = () => Activation(13, "GlobalAveragePool"),
        ["GlobalMaxPool"] = () => Activation(13, "GlobalMaxPool"),
        ["ReduceMean axes attribute"] = () => Activation(13, "ReduceMean", Ints("axes", -1), Int("keepdims", 1)),
        ["ReduceSum axes input"] = () => Unary(13, [2, 3, 4], (b, x) => b.Op("ReduceSum", [x, b.Int64s("axes", 0, 2)], "y", Int("keepdims", 0))),
        ["ReduceMax all axes"] = () => Activation(13, "ReduceMax"),
        ["ArgMax"] = () => IntOutput(13, [3, 5], (b, x) => b.Op("ArgMax", [x], "y", Int("axis", 1))),
        ["Cast to INT64"] = () => IntOutput(13, [3, 4], (b, x) => b.Op("Cast", [b.Op("Mul", [x, b.Weight("k", [], [3f])], "m")], "y", Int("to", (long)ElementType.Int64))),
        ["Shape ConstantOfShape Expand"] = () => Unary(13, [2, 1, 3], (b, x) => b.Op("Add", [b.Op("Expand", [x, b.Int64s("to", 2, 2, 4, 1)], "e"), b.Op("ConstantOfShape", [b.Op("Shape", [x], "shape")], "c", TensorAttr("value", Tensor.FromFloats("v", [1], [0.25f])))], "y")),
        ["Shape start end"] = () => IntOutput(15, [2, 3, 4, 5], (b, x) => b.Op("Shape", [x], "y", Int("start", 1), Int("end", -1))),
        ["Where Greater Equal"] = () => Unary(13, [3, 4], (b, x) => b.Op("Where", [b.Op("Greater", [x, b.Weight("zero", [], [0f])], "positive"), x, b.Op("Mul", [x, b.Weight("k", [], [0.1f])], "scaled")], "y")),
        ["Equal Not"] = () => IntOutput(13, [3, 4], (b, x) => b.Op("Not", [b.Op("Equal", [b.Op("Cast", [x], "ints", Int("to", (long)ElementType.Int64)), b.Int64s("zero", 0)], "eq")], "y"), ElementType.Bool),
        ["Range"] = () => IntOutput(13, [1], (b, x) => b.Op("Add", [b.Op("Range", [Int64Scalar(b, "start", 2), Int64Scalar(b, "limit", 11), Int64Scalar(b, "delta", 3)], "r"), b.Op("Cast", [x], "xi", Int("to", (long)ElementType.Int64))], "y")),
        ["Identity Dropout Constant"] = () => Unary(13, [2, 3], (b, x) => b.Op("Add", [b.Op("Dropout", [b.Op("Identity", [x], "i")], "d"), b.Constant("c", [3], [1f, 2f, 3f])], "y")),
        ["Tile"] = () => Unary(13, [2, 3], (b, x) => b.Op("Tile", [x, b.Int64s("repeats", 2, 3)], "y")),
        ["Sum Max Min Mean"] = () => Unary(13, [2, 3], (b, x) => b.Op("Sum", [b.Op("Max", [x, W(b, "a", 3)], "mx"), b.Op("Min", [x, W(b, "c", 2, 1)], "mn"), b.Op("Mean", [x, W(b, "d", 3), x], "me")], "y")),
    };

    /// <summary>Every case's name, as theory data.</summary>
    public static TheoryData<string> Names => [.. Cases.Keys];

    /// <summary>The case named <paramref name="name"/>, built afresh.</summary>
    public static OneNodeCase Build(string name) => Cases[name]();

    private static OneNodeCase Activation(long opset, string op, params NodeAttribute[] attributes)
        => Unary(opset, [2, 3, 6, 5], (b, x) => b.Op(op, [x], "y", attributes));

    private static OneNodeCase Unary(long opset, long[] shape, Func<GraphBuilder, Value, Value> body)
    {
        var b = new GraphBuilder();
        var x = b.Input("x", shape);
        b.Output(body(b, x));
        return new OneNodeCase(b.Build(opset), [Input("x", shape)]);
    }

    private static OneNodeCase IntOutput(long opset, long[] shape, Func<GraphBuilder, Value, Value> body, ElementType type = ElementType.Int64)
    {
        var b = new GraphBuilder();
        var x = b.Input("x", shape);
        b.Output(body(b, x), type);
        return new OneNodeCase(b.Build(opset), [Input("x", shape)]);
    }

    private static OneNodeCase Multi(long opset, long[] shape, Func<GraphBuilder, Value, IReadOnlyList<Value?>> body)
    {
        var b = new GraphBuilder();
        var x = b.Input("x", shape);
        foreach (var output in body(b, x)) b.Output(output!);
        return new OneNodeCase(b.Build(opset), [Input("x", shape)]);
    }

    private static FloatInput Input(string name, long[] shape)
        => new(name, Numbers.Uniform((int)shape.Aggregate(1L, (p, d) => p * d), seed: 11, low: -2f, high: 2f), shape);

    private static Value W(GraphBuilder b, string name, params long[] dims)
        => b.Weight(name, dims, Numbers.Uniform((int)dims.Aggregate(1L, (p, d) => p * d), seed: name.Length * 31 + (int)dims[0]));

    private static Value Positive(GraphBuilder b, string name, params long[] dims)
        => b.Weight(name, dims, Numbers.Uniform((int)dims.Aggregate(1L, (p, d) => p * d), seed: 5, low: 0.5f, high: 2f));

    private static Value Int64Scalar(GraphBuilder b, string name, long value)
        => b.Graph.AddInitializer(name, Tensor.FromRawData(name, ElementType.Int64, [], MemoryMarshal.AsBytes(new[] { value }.AsSpan()).ToArray()));

    private static Value Int64Matrix(GraphBuilder b, string name, long rows, long columns, long[] values)
        => b.Graph.AddInitializer(name, Tensor.FromRawData(name, ElementType.Int64, [rows, columns], MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));

    private static NodeAttribute Int(string name, long value) => NodeAttribute.FromInt(name, value);

    private static NodeAttribute Ints(string name, params long[] values) => NodeAttribute.FromInts(name, values);

    private static NodeAttribute Float(string name, float value) => NodeAttribute.FromFloat(name, value);

    private static NodeAttribute Str(string name, string value) => NodeAttribute.FromString(name, value);

    private static NodeAttribute TensorAttr(string name, Tensor value) => NodeAttribute.FromTensor(name, value);
}
