namespace ModelOpt.Runtime.Execution.Gpu;

/// <summary>A node that ONNX Runtime would run on the CPU although the session runs on CUDA.</summary>
/// <param name="Node">The node's name (or <c>#index</c> in graph order when it has none).</param>
/// <param name="OpType">Its operator.</param>
/// <param name="Reason">Why it has no CUDA kernel.</param>
public sealed record CpuFallbackNode(string Node, string OpType, string Reason);
