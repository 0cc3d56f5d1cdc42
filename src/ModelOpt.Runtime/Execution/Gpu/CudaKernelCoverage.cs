using ModelOpt.Onnx.Ir;

namespace ModelOpt.Runtime.Execution.Gpu;

/// <summary>
/// Which nodes of a model ONNX Runtime's CUDA execution provider has no kernel for, so that a
/// session on the GPU runs them on the CPU (with copies across the bus around each). The list
/// comes from the CUDA provider's kernel registrations in ONNX Runtime's sources
/// (<c>onnxruntime/core/providers/cuda/cuda_execution_provider.cc</c> and
/// <c>onnxruntime/contrib_ops/cuda/cuda_contrib_kernels.cc</c>), checked against the operator
/// names compiled into <c>libonnxruntime_providers_cuda.so</c> of
/// <c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c> 1.31.0 (docs/engine.md, "GPU execution").
/// </summary>
public static class CudaKernelCoverage
{
    // Operators the quantization modes write that the CUDA provider does not register at all:
    // the integer convolution, the dynamic activation quantizer, and the fused integer ops of the
    // com.microsoft domain. Every QLinear* operator (ONNX and com.microsoft) is CPU-only too.
    private static readonly HashSet<string> CpuOnly = new(StringComparer.Ordinal)
    {
        "ConvInteger", "DynamicQuantizeLinear", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "DynamicQuantizeLSTM", "QGemm",
    };

    /// <summary>
    /// The nodes of <paramref name="model"/> (subgraphs included) without a CUDA kernel, in graph
    /// order, each with the reason. MatMulInteger has a CUDA kernel for int8 × int8 only; with a
    /// uint8 (or unknown) first input, as DynamicQuantizeLinear makes it, it stays on the CPU.
    /// </summary>
    public static IReadOnlyList<CpuFallbackNode> NodesWithoutCudaKernel(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var nodes = new List<CpuFallbackNode>();
        int index = 0;
        foreach (var node in model.Graph.AllNodes())
        {
            string name = node.Name.Length > 0 ? node.Name : $"#{index}";
            index++;
            if (node.OpType.StartsWith("QLinear", StringComparison.Ordinal) || CpuOnly.Contains(node.OpType))
            {
                nodes.Add(new CpuFallbackNode(name, node.OpType, $"ONNX Runtime's CUDA provider has no {node.OpType} kernel"));
            }
            else if (node.OpType == "MatMulInteger" && !(ElementOf(node, 0) == ElementType.Int8 && ElementOf(node, 1) == ElementType.Int8))
            {
                nodes.Add(new CpuFallbackNode(name, node.OpType, $"ONNX Runtime's CUDA provider has MatMulInteger for int8 x int8 only; this one takes {ElementOf(node, 0)} x {ElementOf(node, 1)}"));
            }
        }
        return nodes;
    }

    // The element type of an input: declared, from an initializer, or DynamicQuantizeLinear's uint8.
    private static ElementType ElementOf(Node node, int input)
    {
        if (input >= node.Inputs.Count || node.Inputs[input] is not { } value) return ElementType.Undefined;
        if (value.Initializer is { } tensor) return tensor.ElementType;
        if (value.ElementType != ElementType.Undefined) return value.ElementType;
        return value.Producer?.OpType == "DynamicQuantizeLinear" ? ElementType.UInt8 : ElementType.Undefined;
    }
}
