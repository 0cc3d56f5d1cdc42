namespace ModelOpt.Runtime.Execution;

/// <summary>
/// The execution provider a job asks for (the <c>ExecutionProvider</c> item metadata), before
/// <see cref="ExecutionTarget.Resolve"/> decides what this build can run on.
/// </summary>
public enum ExecutionProviderRequest
{
    /// <summary>The best this build has: the CPU until CUDA support lands.</summary>
    Auto,

    /// <summary>ONNX Runtime's CPU execution provider.</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA execution provider; this build falls back to the CPU with warning MOPT0013.</summary>
    Cuda,
}
