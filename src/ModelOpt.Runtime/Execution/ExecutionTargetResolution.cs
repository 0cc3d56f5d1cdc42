namespace ModelOpt.Runtime.Execution;

/// <summary>The outcome of <see cref="ExecutionTarget.Resolve(ExecutionProviderRequest, bool, Func{Gpu.CudaReadiness})"/>: where sessions run, why, and a diagnostic when that is not what was asked for.</summary>
/// <param name="Requested">What the job asked for.</param>
/// <param name="Target">The device every session of the job runs on.</param>
/// <param name="Reason">Why the target is what it is, for the report ("asked for", "CUDA found", or what is missing for CUDA).</param>
/// <param name="Diagnostic">A warning (CUDA asked for, CPU used) or an error (GPU required, none usable); null otherwise.</param>
public sealed record ExecutionTargetResolution(ExecutionProviderRequest Requested, ExecutionTarget Target, string Reason, ExecutionTargetDiagnostic? Diagnostic);
