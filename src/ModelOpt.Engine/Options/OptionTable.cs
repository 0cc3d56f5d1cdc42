using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Engine.Options;

/// <summary>
/// Every option of a model's optimization, declared once, in the order of the contract
/// (DESIGN.md §1). <see cref="OptimizationOptions.Parse"/>, the command line's help, the option
/// hash and the report derive from it; the MSBuild tasks (which cannot reference the engine:
/// they run inside MSBuild on netstandard2.0) and the package's props defaults are checked
/// against it by tests. Defaults are the property initializers of <see cref="OptimizationOptions"/>.
/// </summary>
public static class OptionTable
{
    /// <summary>The options in their fixed order: the order of response files and of every hash.</summary>
    public static IReadOnlyList<OptionDefinition> All { get; } =
    [
        Enum("Quantize", o => o.Quantize, (o, v) => o with { Quantize = v }),
        Bool("PerChannel", o => o.PerChannel, (o, v) => o with { PerChannel = v }),
        Bool("Symmetric", o => o.Symmetric, (o, v) => o with { Symmetric = v }),
        Number("BlockSize", new NumberRange(32, 128, Allowed: [32, 64, 128]), o => o.BlockSize, (o, v) => o with { BlockSize = (int)v }),
        Path("CalibrationData", o => o.CalibrationData, (o, v) => o with { CalibrationData = v }),
        Enum("CalibrationMethod", o => o.CalibrationMethod, (o, v) => o with { CalibrationMethod = v }),
        Enum("WeightRounding", o => o.WeightRounding, (o, v) => o with { WeightRounding = v }),
        Number("Percentile", new NumberRange(50, 100), o => o.Percentile, (o, v) => o with { Percentile = v }),
        Enum("ActivationType", o => o.ActivationType, (o, v) => o with { ActivationType = v }),
        Bool("KeepIoTypes", o => o.KeepIoTypes, (o, v) => o with { KeepIoTypes = v }),
        Bool("ReduceWeightRange", o => o.ReduceWeightRange, (o, v) => o with { ReduceWeightRange = v }),
        Bool("BiasCorrection", o => o.BiasCorrection, (o, v) => o with { BiasCorrection = v }),
        Bool("CrossLayerEqualization", o => o.CrossLayerEqualization, (o, v) => o with { CrossLayerEqualization = v }),
        Bool("SmoothQuant", o => o.SmoothQuant, (o, v) => o with { SmoothQuant = v }),
        Bool("OutlierDecomposition", o => o.OutlierDecomposition, (o, v) => o with { OutlierDecomposition = v }),
        Bool("AccuracyFallback", o => o.AccuracyFallback, (o, v) => o with { AccuracyFallback = v }),
        Path("ValidationData", o => o.ValidationData, (o, v) => o with { ValidationData = v }),
        new("InputShapes", OptionKind.Shapes, true, null, [], (o, v) => o with { InputShapes = v.Shapes() }, o => FormatShapes(o.InputShapes)),
        Enum("Prune", o => o.Prune, (o, v) => o with { Prune = v }),
        Enum("PruneScope", o => o.PruneScope, (o, v) => o with { PruneScope = v }),
        Number("Sparsity", new NumberRange(0, 1), o => o.Sparsity, (o, v) => o with { Sparsity = v }),
        Number("ChannelMultiple", new NumberRange(1, 1024, Integer: true), o => o.ChannelMultiple, (o, v) => o with { ChannelMultiple = (int)v }),
        Enum("PruneImportance", o => o.PruneImportance, (o, v) => o with { PruneImportance = v }),
        Bool("PruneOutputChannels", o => o.PruneOutputChannels, (o, v) => o with { PruneOutputChannels = v }),
        Bool("Distill", o => o.Distill, (o, v) => o with { Distill = v }),
        Path("TrainingData", o => o.TrainingData, (o, v) => o with { TrainingData = v }),
        Number("Epochs", new NumberRange(0, 10000, Integer: true), o => o.Epochs, (o, v) => o with { Epochs = (int)v }),
        Number("LearningRate", new NumberRange(1e-9, 10), o => o.LearningRate, (o, v) => o with { LearningRate = v }),
        Number("BatchSize", new NumberRange(1, 65536, Integer: true), o => o.BatchSize, (o, v) => o with { BatchSize = (int)v }),
        Number("Temperature", new NumberRange(0.01, 1000), o => o.Temperature, (o, v) => o with { Temperature = v }),
        Number("DistillAlpha", new NumberRange(0, 1), o => o.DistillAlpha, (o, v) => o with { DistillAlpha = v }),
        Number("Seed", new NumberRange(0, int.MaxValue, Integer: true), o => o.Seed, (o, v) => o with { Seed = (int)v }),
        Enum("DistillLoss", o => o.DistillLoss, (o, v) => o with { DistillLoss = v }),
        // A budget that cuts training makes the result depend on the machine's speed; 0 (the default) never cuts.
        Number("DistillTimeBudget", new NumberRange(0, 604800), o => o.DistillTimeBudget, (o, v) => o with { DistillTimeBudget = v }),
        // How image and text samples of the data folders become tensors (DESIGN.md §1); tensor files ignore them.
        new("ImageSize", OptionKind.Size, true, null, [], (o, v) => o with { ImageSize = v.Size() }, o => o.ImageSize?.ToString() ?? ""),
        Enum("ImageResize", o => o.ImageResize, (o, v) => o with { ImageResize = v }),
        Number("ImageScale", new NumberRange(1e-6, 1e9), o => o.ImageScale, (o, v) => o with { ImageScale = v }),
        Numbers("ImageMean", _ => true, "numbers", o => o.ImageMean, (o, v) => o with { ImageMean = v }),
        Numbers("ImageStd", n => n != 0, "non-zero numbers", o => o.ImageStd, (o, v) => o with { ImageStd = v }),
        Enum("ChannelOrder", o => o.ChannelOrder, (o, v) => o with { ChannelOrder = v }),
        Enum("ImageLayout", o => o.ImageLayout, (o, v) => o with { ImageLayout = v }),
        Path("Preprocessor", o => o.Preprocessor, (o, v) => o with { Preprocessor = v }),
        Path("Vocabulary", o => o.Vocabulary, (o, v) => o with { Vocabulary = v }),
        Number("MaxSequenceLength", new NumberRange(2, 1 << 20, Integer: true), o => o.MaxSequenceLength, (o, v) => o with { MaxSequenceLength = (int)v }),
        // Where calibration and the gate run can change calibration ranges (GPU arithmetic) and Auto's
        // latency-based choice; the hash of a job's result uses the resolved provider (ModelKey).
        Enum("ExecutionProvider", o => o.ExecutionProvider, (o, v) => o with { ExecutionProvider = v }, projectProperty: "ModelOptExecutionProvider"),
        // Whether a missing GPU fails the job decides nothing about the model.
        Bool("RequireGpu", o => o.RequireGpu, (o, v) => o with { RequireGpu = v }, changesModel: false, projectProperty: "ModelOptRequireGpu"),
        // Where the app runs the model: Cuda makes Recommended and Auto choose modes that stay on the GPU.
        Enum("TargetExecutionProvider", o => o.TargetExecutionProvider, (o, v) => o with { TargetExecutionProvider = v }, projectProperty: "ModelOptTargetExecutionProvider"),
        Number("MinCosineSimilarity", new NumberRange(0, 1), o => o.MinCosineSimilarity, (o, v) => o with { MinCosineSimilarity = v }),
        Number("MaxAbsoluteError", new NumberRange(0, double.MaxValue), o => o.MaxAbsoluteError, (o, v) => o with { MaxAbsoluteError = v }),
        Number("MinTopOneAgreement", new NumberRange(0, 1), o => o.MinTopOneAgreement, (o, v) => o with { MinTopOneAgreement = v }),
        // The gate's severity decides what a failure does to the build, never what the model is.
        Enum("AccuracyGate", o => o.AccuracyGate, (o, v) => o with { AccuracyGate = v }, changesModel: false, projectProperty: "ModelOptAccuracyGate"),
        // Latency picks between size-tied models under Auto (AutoSizeTolerance), so it can change the model.
        Number("LatencyRuns", new NumberRange(0, 1000, Integer: true), o => o.LatencyRuns, (o, v) => o with { LatencyRuns = (int)v }),
        Number("AutoTimeBudget", new NumberRange(1, 86400), o => o.AutoTimeBudget, (o, v) => o with { AutoTimeBudget = v }, projectProperty: "ModelOptAutoTimeBudget"),
        Number("AutoSizeTolerance", new NumberRange(0, 0.5), o => o.AutoSizeTolerance, (o, v) => o with { AutoSizeTolerance = v }),
        // Balanced and Latency compare measured speed with the original's, so the objective can change the model.
        Enum("Objective", o => o.Objective, (o, v) => o with { Objective = v }, projectProperty: "ModelOptObjective"),
        new("ExcludeNodes", OptionKind.List, true, null, [], (o, v) => o with { ExcludeNodes = OptionValue.List(v.Text) }, o => string.Join(";", o.ExcludeNodes)),
        new("ExcludeOpTypes", OptionKind.List, true, null, [], (o, v) => o with { ExcludeOpTypes = OptionValue.List(v.Text) }, o => string.Join(";", o.ExcludeOpTypes)),
        Enum("ResourceCompression", o => o.ResourceCompression, (o, v) => o with { ResourceCompression = v }),
    ];

    private static readonly Dictionary<string, OptionDefinition> ByOption = All.ToDictionary(d => d.Option, StringComparer.Ordinal);

    /// <summary>The option named <paramref name="option"/> (kebab-case, no dashes), or null.</summary>
    public static OptionDefinition? Find(string option) => ByOption.GetValueOrDefault(option);

    /// <summary>The option named <paramref name="option"/>; an unknown name is MOPT0002 listing every option.</summary>
    public static OptionDefinition Get(string option, string? where, string subject)
        => Find(option) ?? throw new ModelOptException(DiagnosticCode.InvalidArgument, where,
            $"{subject}: unknown option '--{option}'. Options: {string.Join(", ", All.Select(d => "--" + d.Option))}.");

    /// <summary>
    /// The normalized text of every option of <paramref name="options"/> (<c>Metadata=value</c>
    /// lines in table order), optionally only those that can change the model: equal options give
    /// equal text however they were spelled. <paramref name="pathContent"/>, when given, replaces
    /// each path (data folders, Preprocessor, Vocabulary) by what it returns for it: the cache key
    /// uses the content's digest, so the same data in another checkout gives the same key.
    /// </summary>
    public static string CanonicalText(OptimizationOptions options, bool modelOnly = false, Func<string, string>? pathContent = null)
        => string.Concat(All.Where(d => !modelOnly || d.ChangesModel).Select(d =>
        {
            string value = d.Read(options);
            if (pathContent is not null && d.Kind == OptionKind.Path && value.Length > 0) value = pathContent(value);
            return $"{d.Metadata}={value}\n";
        }));

    /// <summary>
    /// The text a job's result is keyed on (a cache key, the report's <c>modelKey</c>): the options
    /// that can change the model, with <c>ExecutionProvider</c> replaced by where the job really
    /// ran (<paramref name="resolvedProvider"/>, Cpu or Cuda). <c>Auto</c> resolves to the GPU on
    /// one machine and the CPU on another, and <c>Cuda</c> without a GPU runs on the CPU, so the
    /// requested value alone would give two results one key, or one result two keys.
    /// <paramref name="pathContent"/>, when given, replaces each path by a digest of its content
    /// (as in <see cref="CanonicalText"/>), so that the key does not depend on the folder a project is in.
    /// </summary>
    public static string ModelKey(OptimizationOptions options, ExecutionProviderKind resolvedProvider, Func<string, string>? pathContent = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (resolvedProvider == ExecutionProviderKind.Auto) throw new ArgumentOutOfRangeException(nameof(resolvedProvider), resolvedProvider, "a resolved provider is Cpu or Cuda");
        return CanonicalText(options with { ExecutionProvider = resolvedProvider }, modelOnly: true, pathContent);
    }

    private static OptionDefinition Enum<T>(string metadata, Func<OptimizationOptions, T> read, Func<OptimizationOptions, T, OptimizationOptions> apply,
        bool changesModel = true, string? projectProperty = null) where T : struct, System.Enum
        => new(metadata, OptionKind.Enum, changesModel, projectProperty, System.Enum.GetNames<T>(), (o, v) => apply(o, v.Enum<T>()), o => read(o).ToString());

    private static OptionDefinition Bool(string metadata, Func<OptimizationOptions, bool> read, Func<OptimizationOptions, bool, OptimizationOptions> apply,
        bool changesModel = true, string? projectProperty = null)
        => new(metadata, OptionKind.Bool, changesModel, projectProperty, [], (o, v) => apply(o, v.Bool()), o => OptionDefinition.Format(read(o)));

    private static OptionDefinition Number(string metadata, NumberRange range, Func<OptimizationOptions, double> read, Func<OptimizationOptions, double, OptimizationOptions> apply,
        string? projectProperty = null)
        => new(metadata, OptionKind.Number, true, projectProperty, [], (o, v) => apply(o, v.Number(range)), o => OptionDefinition.Format(read(o)));

    private static OptionDefinition Path(string metadata, Func<OptimizationOptions, string?> read, Func<OptimizationOptions, string, OptimizationOptions> apply)
        => new(metadata, OptionKind.Path, true, null, [], (o, v) => apply(o, v.NonEmpty()), o => read(o) ?? "");

    private static OptionDefinition Numbers(string metadata, Func<double, bool> accept, string what, Func<OptimizationOptions, IReadOnlyList<double>> read,
        Func<OptimizationOptions, double[], OptimizationOptions> apply)
        => new(metadata, OptionKind.Numbers, true, null, [], (o, v) => apply(o, v.ChannelNumbers(accept, what)), o => string.Join(",", read(o).Select(OptionDefinition.Format)));

    private static string FormatShapes(IReadOnlyDictionary<string, long[]> shapes)
        => string.Join(";", shapes.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Key + "=" + string.Join(",", s.Value)));
}
