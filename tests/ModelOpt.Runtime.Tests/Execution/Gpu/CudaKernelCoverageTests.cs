using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution.Gpu;

namespace ModelOpt.Runtime.Tests.Execution.Gpu;

/// <summary>Which nodes of a quantized model ONNX Runtime's CUDA provider leaves to the CPU.</summary>
public sealed class CudaKernelCoverageTests
{
    [Fact]
    public void Dynamic_and_QLinear_ops_leave_the_gpu_while_int8_MatMulInteger_QDQ_and_float_ops_stay()
    {
        var g = new GraphBuilder();
        var x = g.Input("x", 1, 4);
        var dql = g.Node("DynamicQuantizeLinear", [x], ["xq", "xs", "xz"], "quantize_x");
        var w = g.Graph.AddInitializer("w", Tensor.FromRawData("w", ElementType.Int8, [4, 4], new byte[16]));
        var a = g.Graph.AddInitializer("a", Tensor.FromRawData("a", ElementType.Int8, [1, 4], new byte[4]));
        g.Node("MatMulInteger", [dql.Outputs[0], w], ["uint8_product"], "uint8_matmul");
        g.Node("MatMulInteger", [a, w], ["int8_product"], "int8_matmul");
        g.Node("ConvInteger", [dql.Outputs[0], w], ["conv"], "");
        g.Node("QLinearMatMul", [dql.Outputs[0], dql.Outputs[1], dql.Outputs[2], w, dql.Outputs[1], dql.Outputs[2], dql.Outputs[1], dql.Outputs[2]], ["qmm"], "qlinear");
        var dq = g.Op("DequantizeLinear", [w, dql.Outputs[1]], "dq");
        g.Output(g.Op("Relu", [dq], "relu"));
        using var model = g.Build(21);

        var nodes = CudaKernelCoverage.NodesWithoutCudaKernel(model);

        Assert.Equal(["quantize_x", "uint8_matmul", "#3", "qlinear"], nodes.Select(n => n.Node));
        Assert.Equal(["DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearMatMul"], nodes.Select(n => n.OpType));
        Assert.Contains("int8 x int8 only; this one takes UInt8 x Int8", nodes[1].Reason, StringComparison.Ordinal);
        Assert.Contains("no ConvInteger kernel", nodes[2].Reason, StringComparison.Ordinal);
    }
}
