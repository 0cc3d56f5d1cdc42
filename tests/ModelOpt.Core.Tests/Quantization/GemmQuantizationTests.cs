using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Quantization;

public sealed class GemmQuantizationTests
{
    private const int M = 5;
    private const int K = 40;
    private const int N = 12;

    /// <summary>How C is given.</summary>
    public enum Bias
    {
        None,
        Vector,
        Matrix,
        Input,
    }

    public static TheoryData<bool, bool, float, float, Bias> Variants()
    {
        var data = new TheoryData<bool, bool, float, float, Bias>();
        (float Alpha, float Beta, Bias C)[] scalings =
        [
            (1f, 1f, Bias.None),
            (1f, 1f, Bias.Vector),
            (0.5f, 0.25f, Bias.Vector),
            (-2f, 1f, Bias.Matrix),
            (1.5f, 0f, Bias.Matrix),
            (1f, -0.5f, Bias.Input),
            (0.75f, 1f, Bias.Input),
        ];
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                foreach (var (alpha, beta, c) in scalings) data.Add(transA, transB, alpha, beta, c);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void EveryGemmFormIsQuantizedFaithfully(bool transA, bool transB, float alpha, float beta, Bias bias)
    {
        var b = new GraphBuilder();
        var a = transA ? b.Input("A", K, M) : b.Input("A", M, K);
        var weights = Numbers.Uniform(K * N, seed: 21, -0.4f, 0.4f);
        var w = b.Weight("B", transB ? [N, K] : [K, N], weights);
        Value? c = bias switch
        {
            Bias.Vector => b.Weight("C", [N], Numbers.Uniform(N, seed: 22)),
            Bias.Matrix => b.Weight("C", [M, N], Numbers.Uniform(M * N, seed: 23)),
            // Identity hides the constant: the bias is then computed at run time.
            Bias.Input => b.Op("Identity", [b.Constant("C", [N], Numbers.Uniform(N, seed: 24))], "C_runtime"),
            _ => null,
        };
        var y = b.Op("Gemm", c is null ? [a, w] : [a, w, c], "gemm",
            NodeAttribute.FromFloat("alpha", alpha), NodeAttribute.FromFloat("beta", beta),
            NodeAttribute.FromInt("transA", transA ? 1 : 0), NodeAttribute.FromInt("transB", transB ? 1 : 0));
        var model = b.Output(y).Build(opset: 13);
        var input = new FloatInput("A", Numbers.Uniform(M * K, seed: 25, -1.5f, 2.5f), transA ? [K, M] : [M, K]);

        var report = QuantizedModels.QuantizeAndCompare(model, DynamicQuantizationOptions.Default, input, K, maxAbsWeight: 0.4f * Math.Abs(alpha));

        Assert.Equal(NodePrecision.Int8, Assert.Single(report.Nodes).Precision);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "Gemm");
        Assert.Equal([K, N], QuantizedModels.Initializer(model, "B_quantized")!.Initializer!.Dims);
        Assert.Null(QuantizedModels.Initializer(model, "B"));
        Assert.Equal(transA, model.Graph.Nodes.Any(n => n.OpType == "Transpose"));
        Assert.Equal(bias != Bias.None && beta != 0, model.Graph.Nodes.Any(n => n.OpType == "Add"));
    }

    [Fact]
    public void AGemmWithAVectorBiasFusesIntoOneOperator()
    {
        var b = new GraphBuilder();
        var a = b.Input("A", M, K);
        var y = b.Op("Gemm", [a, b.Weight("B", [N, K], Numbers.Uniform(K * N, seed: 26)), b.Weight("C", [N], Numbers.Uniform(N, seed: 27))], "gemm",
            NodeAttribute.FromInt("transB", 1));
        var model = b.Output(y).Build(opset: 13);
        new DynamicQuantizationPass().Run(model);

        Assert.Equal(["com.microsoft.DynamicQuantizeMatMul"], OrtRunner.OptimizedOpTypes(model));
    }
}
