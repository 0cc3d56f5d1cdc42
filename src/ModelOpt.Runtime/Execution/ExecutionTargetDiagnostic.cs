namespace ModelOpt.Runtime.Execution;

/// <summary>A warning or error about the execution target, for the engine to report once per job.</summary>
/// <param name="Code">The diagnostic code (MOPT0013 for a CUDA request that runs on the CPU, MOPT0200 when a GPU is required and missing).</param>
/// <param name="Message">What happened, what is missing and where the work runs instead, without the file prefix.</param>
/// <param name="IsError">True when the job must stop (RequireGpu without a usable GPU).</param>
public sealed record ExecutionTargetDiagnostic(string Code, string Message, bool IsError);
