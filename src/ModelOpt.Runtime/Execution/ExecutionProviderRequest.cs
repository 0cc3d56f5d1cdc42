namespace ModelOpt.Runtime.Execution;

/// <summary>
/// The execution provider a job asks for (the <c>ExecutionProvider</c> item metadata), before
/// <see cref="ExecutionTarget.Resolve(ExecutionProviderRequest, bool, Func{Gpu.CudaReadiness})"/> decides what this machine can run on.
/// </summary>
public enum ExecutionProviderRequest
{
    /// <summary>The GPU when ONNX Runtime's CUDA provider is usable here, else the CPU, without a warning.</summary>
    Auto,

    /// <summary>ONNX Runtime's CPU execution provider.</summary>
    Cpu,

    /// <summary>ONNX Runtime's CUDA execution provider; without a usable GPU the CPU with warning MOPT0013 (or error MOPT0200 when a GPU is required).</summary>
    Cuda,
}
