using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Runtime.Execution;

/// <summary>
/// The session options that differ between uses; with the model's content they key
/// <see cref="SessionFactory"/>'s cache. Everything not here is the same for every session
/// (errors-only logging, the job's <see cref="ExecutionTarget"/>).
/// </summary>
/// <param name="OptimizationLevel">ONNX Runtime's graph optimization level, or null to leave its default.</param>
/// <param name="IntraOpThreads">A fixed intra-op thread count with sequential execution, or null for ONNX Runtime's defaults.</param>
internal readonly record struct SessionSettings(GraphOptimizationLevel? OptimizationLevel, int? IntraOpThreads)
{
    /// <summary>Validation, per-node sensitivity and calibration: ONNX Runtime's defaults, as a user's session has them.</summary>
    public static SessionSettings Default => default;

    /// <summary>
    /// The load check: basic optimizations only. It asks whether the runtime accepts the model
    /// (types, operators), which needs no more than that and loads faster.
    /// </summary>
    public static SessionSettings LoadCheck => new(GraphOptimizationLevel.ORT_ENABLE_BASIC, null);

    /// <summary>Latency: one fixed thread count and no inter-op parallelism, so runs are comparable.</summary>
    public static SessionSettings Latency(int intraOpThreads) => new(null, intraOpThreads);
}
