namespace ModelOpt.Runtime.Execution;

/// <summary>The outcome of <see cref="ExecutionTarget.Resolve"/>: where sessions run, and a warning when that is not what was asked for.</summary>
/// <param name="Target">The device every session of the job runs on.</param>
/// <param name="Warning">Set when the request could not be met (CUDA asked for, CPU used); null otherwise.</param>
public sealed record ExecutionTargetResolution(ExecutionTarget Target, ExecutionTargetWarning? Warning);
