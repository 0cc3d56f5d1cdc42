namespace ModelOpt.Build.Tasks;

/// <summary>
/// The item metadata of <c>&lt;OptimizeModel&gt;</c> that change what the engine produces, and
/// the worker option each maps to. The list is the contract of DESIGN.md §1 (plus the options
/// later issues add); every name also exists as a <c>modelopt optimize</c> option.
/// </summary>
internal static class ModelMetadata
{
    /// <summary>Metadata holding folders: relative to the project, passed to the worker as full paths.</summary>
    public static readonly string[] PathOptions = ["CalibrationData", "ValidationData", "TrainingData"];

    /// <summary>(metadata name, worker option) pairs in a fixed order: the order of the response file and of the options hash.</summary>
    public static readonly (string Metadata, string Option)[] EngineOptions =
    [
        ("Quantize", "--quantize"),
        ("PerChannel", "--per-channel"),
        ("Symmetric", "--symmetric"),
        ("BlockSize", "--block-size"),
        ("CalibrationData", "--calibration-data"),
        ("CalibrationMethod", "--calibration-method"),
        ("Percentile", "--percentile"),
        ("ActivationType", "--activation-type"),
        ("KeepIoTypes", "--keep-io-types"),
        ("ReduceWeightRange", "--reduce-weight-range"),
        ("ValidationData", "--validation-data"),
        ("InputShapes", "--input-shapes"),
        ("Prune", "--prune"),
        ("PruneScope", "--prune-scope"),
        ("Sparsity", "--sparsity"),
        ("ChannelMultiple", "--channel-multiple"),
        ("PruneImportance", "--prune-importance"),
        ("PruneOutputChannels", "--prune-output-channels"),
        ("Distill", "--distill"),
        ("TrainingData", "--training-data"),
        ("ExecutionProvider", "--execution-provider"),
        ("MinCosineSimilarity", "--min-cosine-similarity"),
        ("MaxAbsoluteError", "--max-absolute-error"),
        ("MinTopOneAgreement", "--min-top-one-agreement"),
        ("AccuracyGate", "--accuracy-gate"),
        ("LatencyRuns", "--latency-runs"),
        ("AutoTimeBudget", "--auto-time-budget"),
        ("AutoSizeTolerance", "--auto-size-tolerance"),
        ("ExcludeNodes", "--exclude-nodes"),
        ("ExcludeOpTypes", "--exclude-op-types"),
        ("ResourceCompression", "--resource-compression"),
    ];
}
