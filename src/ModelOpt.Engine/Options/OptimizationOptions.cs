using System.Globalization;
using ModelOpt.Core.Data;
using ModelOpt.Core.Distillation;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Options;

/// <summary>Quantization modes of the contract (DESIGN.md §1).</summary>
/// <remarks><c>Recommended</c> (the default) is <c>Static</c> for convolutional models and <c>Dynamic</c> for the rest (<see cref="Planning.ModelKinds"/>).</remarks>
public enum QuantizeMode { None, Dynamic, Static, Int4, Float16, Auto, Recommended }

/// <summary>Pruning modes.</summary>
public enum PruneMode { None, Magnitude, Structured }

/// <summary>Where calibration, validation and training run.</summary>
public enum ExecutionProviderKind { Auto, Cpu, Cuda }

/// <summary>Where the app will run the optimized model (the deployment target), which steers the mode choice.</summary>
public enum TargetExecutionProviderKind { Cpu, Cuda }

/// <summary>What a model that fails the accuracy gate does to the build.</summary>
public enum GateSeverity { Error, Warning }

/// <summary>How the embedded bytes are stored.</summary>
public enum ResourceCompression { None, Brotli }

/// <summary>
/// What <c>Quantize="Auto"</c> optimizes for: <c>Size</c> the smallest passing model whatever its
/// speed; <c>Latency</c> the fastest passing model that is not slower than the original;
/// <c>Balanced</c> the smallest passing model that is not slower than the original.
/// </summary>
public enum AutoObjective { Balanced, Size, Latency }

/// <summary>
/// Every option of one model's optimization, parsed. The property initializers are the
/// defaults; names, parsers and normalization are declared once in <see cref="OptionTable"/>.
/// Parsing validates values, and refuses options whose engine capability is not built yet
/// rather than ignoring them.
/// </summary>
public sealed record OptimizationOptions
{
    public QuantizeMode Quantize { get; init; } = QuantizeMode.Recommended;
    public bool PerChannel { get; init; } = true;
    public bool Symmetric { get; init; } = true;
    public int BlockSize { get; init; } = 32;
    public string? CalibrationData { get; init; }
    public CalibrationMethod CalibrationMethod { get; init; } = CalibrationMethod.MinMax;
    public WeightRounding WeightRounding { get; init; } = WeightRounding.Gptq;
    public double Percentile { get; init; } = 99.999;
    public ActivationType ActivationType { get; init; } = ActivationType.UInt8;
    public bool KeepIoTypes { get; init; } = true;
    public bool ReduceWeightRange { get; init; } = true;
    public bool BiasCorrection { get; init; } = true;
    public bool CrossLayerEqualization { get; init; } = true;
    public bool SmoothQuant { get; init; } = true;
    public bool OutlierDecomposition { get; init; } = true;
    public bool AccuracyFallback { get; init; } = true;
    public string? ValidationData { get; init; }
    public IReadOnlyDictionary<string, long[]> InputShapes { get; init; } = new Dictionary<string, long[]>();
    public PruneMode Prune { get; init; } = PruneMode.None;
    public PruneScope PruneScope { get; init; } = PruneScope.Layer;
    public double Sparsity { get; init; }
    public int ChannelMultiple { get; init; } = 1;
    public ChannelImportance PruneImportance { get; init; } = ChannelImportance.L1;
    public bool PruneOutputChannels { get; init; }
    public bool Distill { get; init; }
    public string? TrainingData { get; init; }
    public int Epochs { get; init; } = DistillationSettings.DefaultEpochs;
    public double LearningRate { get; init; } = DistillationSettings.DefaultLearningRate;
    public int BatchSize { get; init; } = DistillationSettings.DefaultBatchSize;
    public double Temperature { get; init; } = DistillationSettings.DefaultTemperature;
    public double DistillAlpha { get; init; } = DistillationSettings.DefaultAlpha;
    public int Seed { get; init; }
    public DistillationLoss DistillLoss { get; init; } = DistillationLoss.Auto;
    public double DistillTimeBudget { get; init; }
    public ImageSize? ImageSize { get; init; }
    public ImageResizeMode ImageResize { get; init; } = ImageResizeMode.Crop;
    public double ImageScale { get; init; } = 255;
    public IReadOnlyList<double> ImageMean { get; init; } = [];
    public IReadOnlyList<double> ImageStd { get; init; } = [];
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.RGB;
    public ImageLayout ImageLayout { get; init; } = ImageLayout.Auto;
    public string? Preprocessor { get; init; }
    public string? Vocabulary { get; init; }
    public int MaxSequenceLength { get; init; } = SampleDataOptions.DefaultMaxSequenceLength;
    public ExecutionProviderKind ExecutionProvider { get; init; } = ExecutionProviderKind.Auto;
    public bool RequireGpu { get; init; }
    public TargetExecutionProviderKind TargetExecutionProvider { get; init; } = TargetExecutionProviderKind.Cpu;
    public double MinCosineSimilarity { get; init; } = AccuracyThresholds.DefaultMinCosineSimilarity;
    public double MaxAbsoluteError { get; init; }
    public double MinTopOneAgreement { get; init; }
    public GateSeverity AccuracyGate { get; init; } = GateSeverity.Error;
    public int LatencyRuns { get; init; } = 10;
    public double AutoTimeBudget { get; init; } = 600;
    public double AutoSizeTolerance { get; init; }
    public AutoObjective Objective { get; init; } = AutoObjective.Balanced;
    public IReadOnlyList<string> ExcludeNodes { get; init; } = [];
    public IReadOnlyList<string> ExcludeOpTypes { get; init; } = [];
    public ResourceCompression ResourceCompression { get; init; } = ResourceCompression.None;

    /// <summary>The accuracy gate's thresholds (0 switches a check off).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public AccuracyThresholds Thresholds => new(MinCosineSimilarity, MaxAbsoluteError, MinTopOneAgreement);

    /// <summary>The distillation hyperparameters.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DistillationSettings Distillation => new()
    {
        Epochs = Epochs,
        LearningRate = LearningRate,
        BatchSize = BatchSize,
        Temperature = Temperature,
        Alpha = DistillAlpha,
        Seed = Seed,
        Loss = DistillLoss,
        TimeBudgetSeconds = DistillTimeBudget,
    };

    /// <summary>How the data folders' image and text samples become tensors.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public SampleDataOptions SampleData => new()
    {
        ImageSize = ImageSize,
        ImageResize = ImageResize,
        ImageScale = (float)ImageScale,
        ImageMean = [.. ImageMean.Select(v => (float)v)],
        ImageStd = [.. ImageStd.Select(v => (float)v)],
        ChannelOrder = ChannelOrder,
        ImageLayout = ImageLayout,
        Preprocessor = Preprocessor is null ? null : System.IO.Path.GetFullPath(Preprocessor),
        Vocabulary = Vocabulary is null ? null : System.IO.Path.GetFullPath(Vocabulary),
        MaxSequenceLength = MaxSequenceLength,
    };

    /// <summary>
    /// How the data folders' samples are read for <paramref name="model"/>'s inputs; the
    /// Preprocessor model, when set, runs in <paramref name="sessions"/> (without them, image
    /// samples that need it fail with a message saying so).
    /// </summary>
    public SampleReadContext ReadContext(OnnxModel model, SessionFactory? sessions)
    {
        var data = SampleData;
        IImagePreprocessor? preprocessor = data.Preprocessor is { } path && sessions is not null ? new OnnxImagePreprocessor(sessions, path) : null;
        return SampleReadContext.For(model, data, preprocessor);
    }

    /// <summary>
    /// Builds options from (option, value) pairs, through <see cref="OptionTable"/>.
    /// <paramref name="where"/> is the file named by errors (the project for build items, null on
    /// the command line); <paramref name="subject"/> names the item (its path).
    /// </summary>
    public static OptimizationOptions Parse(IEnumerable<KeyValuePair<string, string>> pairs, string? where, string subject)
    {
        var o = new OptimizationOptions();
        foreach (var (option, rawValue) in pairs)
        {
            var definition = OptionTable.Get(option, where, subject);
            o = definition.Apply(o, new OptionValue(where, subject, definition.Metadata, rawValue.Trim()));
        }
        o.Validate(where, subject);
        return o;
    }

    // Checks that need several options at once.
    private void Validate(string? where, string subject)
    {
        if (Prune != PruneMode.None && Sparsity == 0)
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, where,
                $"{subject}: Prune=\"{Prune}\" needs Sparsity, the fraction to prune (e.g. Sparsity=\"0.5\").");
        }
        if (Prune == PruneMode.Structured && Sparsity >= 1)
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, where,
                $"{subject}: Prune=\"Structured\" with Sparsity=\"{Sparsity.ToString(CultureInfo.InvariantCulture)}\" would remove every channel; use a value below 1.");
        }
        if (RequireGpu && ExecutionProvider == ExecutionProviderKind.Cpu)
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, where,
                $"{subject}: RequireGpu=\"true\" with ExecutionProvider=\"Cpu\" asks for a GPU and forbids it; set ExecutionProvider to Cuda or Auto, or RequireGpu to false.");
        }
        if (Distill && Prune == PruneMode.None && Quantize is QuantizeMode.None or QuantizeMode.Int4 or QuantizeMode.Float16)
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, where,
                $"{subject}: Distill=\"true\" fine-tunes a pruned model (Prune=\"Magnitude\" or \"Structured\") or an int8 one (Quantize=\"Static\", \"Dynamic\" or \"Recommended\": quantization-aware); with Prune=\"None\" and Quantize=\"{Quantize}\" there is nothing to recover. Set one of them, or remove Distill.");
        }
    }
}
