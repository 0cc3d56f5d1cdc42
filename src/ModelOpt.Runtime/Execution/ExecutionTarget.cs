using Microsoft.ML.OnnxRuntime;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Runtime.Execution;

/// <summary>
/// The device a job's ONNX Runtime sessions run on, resolved once per job from the requested
/// provider (<see cref="Resolve"/>) and handed to the job's <see cref="SessionFactory"/>. This
/// build ships ONNX Runtime's CPU package, so the only target is <see cref="Cpu"/>.
/// </summary>
/// <remarks>
/// A CUDA target is one more instance whose <see cref="Configure"/> appends the CUDA execution
/// provider to the session options; every session is configured there, so nothing else changes.
/// </remarks>
public sealed class ExecutionTarget
{
    private ExecutionTarget(string name) => Name = name;

    /// <summary>ONNX Runtime's default CPU execution provider.</summary>
    public static ExecutionTarget Cpu { get; } = new("CPU");

    /// <summary>The device's name for reports and messages ("CPU").</summary>
    public string Name { get; }

    /// <summary>
    /// The target for <paramref name="request"/>: <see cref="ExecutionProviderRequest.Cpu"/> and
    /// <see cref="ExecutionProviderRequest.Auto"/> are the CPU; <see cref="ExecutionProviderRequest.Cuda"/>
    /// is the CPU too, with warning <see cref="DiagnosticCode.CudaFallsBackToCpu"/>, since this build
    /// has no CUDA provider.
    /// </summary>
    public static ExecutionTargetResolution Resolve(ExecutionProviderRequest request) => request switch
    {
        ExecutionProviderRequest.Cuda => new(Cpu, new ExecutionTargetWarning(DiagnosticCode.CudaFallsBackToCpu,
            "ExecutionProvider=\"Cuda\" is not available in this version; calibration and validation run on the CPU.")),
        ExecutionProviderRequest.Cpu or ExecutionProviderRequest.Auto => new(Cpu, null),
        _ => throw new ArgumentOutOfRangeException(nameof(request), request, "unknown execution provider request"),
    };

    /// <summary>Adds this target's execution provider to <paramref name="options"/>: nothing for the CPU, which ONNX Runtime always has.</summary>
    internal void Configure(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
