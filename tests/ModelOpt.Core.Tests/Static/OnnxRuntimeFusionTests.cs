using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Static;

/// <summary>
/// What ONNX Runtime (CPU, the version the package ships) does with DequantizeLinear → op →
/// QuantizeLinear for each operator without weights: the rules of <see cref="StaticQuantizers"/>
/// rest on it. An operator Static quantizes must come out as an integer kernel (QLinear…) or run
/// on the 8-bit data with the pair dropped; one it leaves in float must still sit between the
/// pair, where quantizing it would only add rounding. A new ONNX Runtime that fuses more fails here
/// and tells where the list can grow.
/// </summary>
public sealed class OnnxRuntimeFusionTests
{
    private static readonly long[] Image = [1, 8, 16, 16];

    public static TheoryData<string> QuantizedOperators => ["Add", "Concat", "AveragePool", "GlobalAveragePool", "Sigmoid", "LeakyRelu"];

    public static TheoryData<string> DataMovementOperators => ["MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Slice", "Resize"];

    public static TheoryData<string> FloatOperators => ["HardSigmoid", "HardSwish", "ResizeLinear", "Pad", "ReduceMean", "Clip"];

    [Theory]
    [MemberData(nameof(QuantizedOperators))]
    public void AnOperatorStaticQuantizesBecomesAnIntegerKernel(string op)
    {
        Assert.NotNull(StaticQuantizers.Registry.Find("", op, 13));
        var ops = Optimized(op);
        Assert.Contains($"QLinear{op}", ops);
        Assert.DoesNotContain("DequantizeLinear", ops);
    }

    [Theory]
    [MemberData(nameof(DataMovementOperators))]
    public void AnOperatorThatMovesDataRunsOnTheBytes(string op)
    {
        Assert.NotNull(StaticQuantizers.Registry.Find("", op, 13));
        var ops = Optimized(op);
        Assert.Equal([op], ops);
    }

    [Theory]
    [MemberData(nameof(FloatOperators))]
    public void AnOperatorLeftInFloatStillRunsBetweenThePair(string op)
    {
        if (op is not ("ResizeLinear" or "Clip")) Assert.Null(StaticQuantizers.Registry.Find("", op, 13));
        var ops = Optimized(op);
        Assert.Equal("DequantizeLinear", ops[0]);
        Assert.Equal("QuantizeLinear", ops[^1]);
    }

    /// <summary>The operator types of DQ → <paramref name="op"/> → Q after ONNX Runtime's optimizations, in order.</summary>
    private static string[] Optimized(string op)
    {
        var b = new GraphBuilder();
        var x = b.Input("x", ElementType.UInt8, Image);
        var scale = b.Weight("scale", [], [0.05f]);
        var zeroPoint = b.Graph.AddInitializer("zero_point", Tensor.FromRawData("zero_point", ElementType.UInt8, [], new byte[] { 128 }));
        var dq = b.Op("DequantizeLinear", [x, scale, zeroPoint], "dq");
        Value y = op switch
        {
            "Concat" => b.Op("Concat", [dq, dq], "y", NodeAttribute.FromInt("axis", 1)),
            "Add" => b.Op("Add", [dq, dq], "y"),
            "AveragePool" or "MaxPool" => b.Op(op, [dq], "y", NodeAttribute.FromInts("kernel_shape", [3, 3])),
            "Reshape" => b.Op("Reshape", [dq, Int64s(b, "shape", [1, 8, 256])], "y"),
            "Transpose" => b.Op("Transpose", [dq], "y", NodeAttribute.FromInts("perm", [0, 2, 3, 1])),
            "Squeeze" or "Unsqueeze" => b.Op(op, [dq, Int64s(b, "axes", [0])], "y"),
            "Slice" => b.Op("Slice", [dq, Int64s(b, "starts", [0]), Int64s(b, "ends", [4]), Int64s(b, "slice_axes", [1])], "y"),
            "Resize" => b.Op("Resize", [dq, null, b.Weight("scales", [4], [1, 1, 2, 2])], "y"),
            "ResizeLinear" => b.Op("Resize", [dq, null, b.Weight("scales", [4], [1, 1, 2, 2])], "y", NodeAttribute.FromString("mode", "linear")),
            "Pad" => b.Op("Pad", [dq, Int64s(b, "pads", [0, 0, 1, 1, 0, 0, 1, 1])], "y"),
            "ReduceMean" => b.Op("ReduceMean", [dq], "y", NodeAttribute.FromInts("axes", [1])),
            "Clip" => b.Op("Clip", [dq, b.Weight("low", [], [0f]), b.Weight("high", [], [6f])], "y"),
            _ => b.Op(op, [dq], "y"),
        };
        b.Output(b.Op("QuantizeLinear", [y, scale, zeroPoint], "q"), ElementType.UInt8);
        using var folder = new TempFolder();
        string path = folder.File("model.onnx"), optimized = folder.File("optimized.onnx");
        OnnxModelWriter.Save(b.Build(17), path);
        using (var options = new SessionOptions { OptimizedModelFilePath = optimized, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED })
        using (new InferenceSession(path, options))
        {
        }
        return [.. OnnxModelReader.Load(optimized).Graph.Nodes.Select(n => n.OpType)];
    }

    private static Value Int64s(GraphBuilder b, string name, long[] values)
        => b.Graph.AddInitializer(name, Tensor.FromRawData(name, ElementType.Int64, [values.Length], MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
}
