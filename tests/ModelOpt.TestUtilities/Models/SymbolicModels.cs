using ModelOpt.Onnx.Ir;

namespace ModelOpt.TestUtilities;

/// <summary>
/// Small deterministic models whose inputs have symbolic dimensions, as exported vision and
/// text models declare them: what generated validation inputs must size without InputShapes.
/// </summary>
public static class SymbolicModels
{
    private const long Opset = 17;

    /// <summary>A classifier over x: FLOAT [N,3,H,W]: two strided Conv+Relu, a MaxPool, a global average pool, Flatten, Gemm to 10 classes.</summary>
    public static OnnxModel Classifier()
    {
        var g = new GraphBuilder("classifier");
        var random = new GaussianRandom(11);
        var x = g.SymbolicInput("x", ElementType.Float, "N", "3", "H", "W");
        var h = ConvRelu(g, random, x, "c1", 3, 8);
        h = g.Op("MaxPool", [h], "p1", NodeAttribute.FromInts("kernel_shape", [2, 2]), NodeAttribute.FromInts("strides", [2, 2]));
        h = ConvRelu(g, random, h, "c2", 8, 16);
        h = g.Op("GlobalAveragePool", [h], "gap");
        h = g.Op("Flatten", [h], "flat");
        var w = g.Weight("fc_w", [16, 10], random.Next(160, 0, 0.3f));
        var b = g.Weight("fc_b", [10], random.Next(10, 0, 0.1f));
        g.Output(g.Op("Gemm", [h, w, b], "logits"));
        return g.Build(Opset);
    }

    /// <summary>
    /// A text-line recognizer over x: FLOAT [N,3,48,W] (PaddleOCR's layout): two strided
    /// Conv+Relu to [N,16,12,W/4], a Reshape to [N,192,W/4] and a Transpose to [N,W/4,192] that
    /// keep W as the sequence, and a MatMul to 20 classes per step.
    /// </summary>
    public static OnnxModel Recognizer()
    {
        var g = new GraphBuilder("recognizer");
        var random = new GaussianRandom(12);
        var x = g.SymbolicInput("x", ElementType.Float, "N", "3", "48", "W");
        var h = ConvRelu(g, random, x, "c1", 3, 8);
        h = ConvRelu(g, random, h, "c2", 8, 16);
        h = g.Op("Reshape", [h, g.Int64s("seq_shape", 0, 192, -1)], "seq");
        h = g.Op("Transpose", [h], "steps", NodeAttribute.FromInts("perm", [0, 2, 1]));
        var w = g.Weight("head_w", [192, 20], random.Next(192 * 20, 0, 0.1f));
        g.Output(g.Op("MatMul", [h, w], "logits"));
        return g.Build(Opset);
    }

    /// <summary>
    /// y = MatMul(Reshape(x, [1,-1,7]), w) over x: FLOAT [N,L]: it runs only when L is a multiple
    /// of 7, which none of the candidate sequence lengths is, so its inputs cannot be generated.
    /// </summary>
    public static OnnxModel MultipleOfSeven()
    {
        var g = new GraphBuilder("sevens");
        var random = new GaussianRandom(13);
        var x = g.SymbolicInput("x", ElementType.Float, "N", "L");
        var h = g.Op("Reshape", [x, g.Int64s("shape", 1, -1, 7)], "rows");
        var w = g.Weight("w", [7, 4], random.Next(28, 0, 0.5f));
        g.Output(g.Op("MatMul", [h, w], "y"));
        return g.Build(Opset);
    }

    private static Value ConvRelu(GraphBuilder g, GaussianRandom random, Value x, string name, int inChannels, int outChannels)
    {
        float scale = MathF.Sqrt(2f / (inChannels * 9));
        var w = g.Weight(name + "_w", [outChannels, inChannels, 3, 3], random.Next(outChannels * inChannels * 9, 0, scale));
        var b = g.Weight(name + "_b", [outChannels], random.Next(outChannels, 0, 0.05f));
        var conv = g.Op("Conv", [x, w, b], name, NodeAttribute.FromInts("kernel_shape", [3, 3]),
            NodeAttribute.FromInts("strides", [2, 2]), NodeAttribute.FromInts("pads", [1, 1, 1, 1]));
        return g.Op("Relu", [conv], name + "_relu");
    }
}
