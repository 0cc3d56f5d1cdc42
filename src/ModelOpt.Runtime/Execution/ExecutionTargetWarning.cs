namespace ModelOpt.Runtime.Execution;

/// <summary>A warning about the execution target, for the engine to print once per job.</summary>
/// <param name="Code">The diagnostic code (e.g. MOPT0013).</param>
/// <param name="Message">What happened and where the work runs instead, without the file prefix.</param>
public sealed record ExecutionTargetWarning(string Code, string Message);
