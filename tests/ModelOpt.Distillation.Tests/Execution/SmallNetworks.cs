using ModelOpt.Onnx.Ir;

namespace ModelOpt.Distillation.Tests.Execution;

/// <summary>Small networks built in code that use every kind of weight slot at once.</summary>
internal static class SmallNetworks
{
    public const string Input = "x";
    public static readonly long[] InputShape = [2, 3, 6, 6];

    /// <summary>The FLOAT initializers that must be trainable, in graph order.</summary>
    public static readonly string[] Trainable = ["conv.w", "conv.b", "bn.scale", "bn.bias", "fc.w", "fc.b", "head.w", "head.c", "scale.vector", "table"];

    /// <summary>Conv → BatchNormalization → Relu → Flatten → MatMul + bias → Gemm → Mul by a vector and by a scalar → Add an embedding row.</summary>
    public static OnnxModel ConvBatchNormMatMulGemm()
    {
        var b = new GraphBuilder("small");
        var x = b.Input(Input, InputShape);
        var conv = b.Op("Conv", [x, W(b, "conv.w", 4, 3, 3, 3), W(b, "conv.b", 4)], "conv", NodeAttribute.FromInts("pads", [1, 1, 1, 1]), NodeAttribute.FromInts("strides", [2, 2]));
        var bn = b.Op("BatchNormalization", [conv, W(b, "bn.scale", 4), W(b, "bn.bias", 4), W(b, "bn.mean", 4), b.Weight("bn.var", [4], [1f, 0.5f, 2f, 1.5f])], "bn");
        var relu = b.Op("Relu", [bn], "relu");
        var flat = b.Op("Flatten", [relu], "flat");
        var fc = b.Op("Add", [b.Op("MatMul", [flat, W(b, "fc.w", 36, 8)], "fc.matmul"), W(b, "fc.b", 8)], "fc");
        var head = b.Op("Gemm", [fc, W(b, "head.w", 5, 8), W(b, "head.c", 5)], "head", NodeAttribute.FromInt("transB", 1));
        var scaled = b.Op("Mul", [b.Op("Mul", [head, W(b, "scale.vector", 5)], "scaled.vector"), b.Weight("scale.scalar", [], [0.5f])], "scaled");
        var row = b.Op("Gather", [W(b, "table", 3, 5), b.Int64s("row.index", 1)], "row");
        b.Output(b.Op("Add", [scaled, row], "y"));
        return b.Build(13);
    }

    public static FloatInput SampleInput(int seed = 3)
        => new(Input, Numbers.Uniform((int)InputShape.Aggregate(1L, (p, d) => p * d), seed, -1f, 1f), InputShape);

    private static Value W(GraphBuilder b, string name, params long[] dims)
        => b.Weight(name, dims, Numbers.Uniform((int)dims.Aggregate(1L, (p, d) => p * d), seed: name.Length * 7 + (int)dims[0], low: -0.5f, high: 0.5f));
}
