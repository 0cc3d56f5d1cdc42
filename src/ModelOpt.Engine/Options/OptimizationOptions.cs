using System.Globalization;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Engine.Auto;
using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Planning;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Options;

/// <summary>Quantization modes of the contract (DESIGN.md §1).</summary>
public enum QuantizeMode { None, Dynamic, Static, Int4, Float16, Auto }

/// <summary>Pruning modes.</summary>
public enum PruneMode { None, Magnitude, Structured }

/// <summary>Where calibration, validation and training run.</summary>
public enum ExecutionProviderKind { Auto, Cpu, Cuda }

/// <summary>What a model that fails the accuracy gate does to the build.</summary>
public enum GateSeverity { Error, Warning }

/// <summary>How the embedded bytes are stored.</summary>
public enum ResourceCompression { None, Brotli }

/// <summary>
/// Every option of one model's optimization: the <c>OptimizeModel</c> item metadata and the
/// <c>modelopt optimize</c> options are the same names (kebab-case on the command line).
/// Parsing validates values, and refuses options whose engine capability is not built yet
/// rather than ignoring them.
/// </summary>
public sealed record OptimizationOptions
{
    public QuantizeMode Quantize { get; init; } = QuantizeMode.Dynamic;
    public bool PerChannel { get; init; } = true;
    public bool Symmetric { get; init; } = true;
    public int BlockSize { get; init; } = 32;
    public string? CalibrationData { get; init; }
    public CalibrationMethod CalibrationMethod { get; init; } = CalibrationMethod.MinMax;
    public double Percentile { get; init; } = 99.999;
    public ActivationType ActivationType { get; init; } = ActivationType.UInt8;
    public bool KeepIoTypes { get; init; } = true;
    public bool ReduceWeightRange { get; init; } = true;
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
    public ExecutionProviderKind ExecutionProvider { get; init; } = ExecutionProviderKind.Auto;
    public double MinCosineSimilarity { get; init; } = AccuracyThresholds.DefaultMinCosineSimilarity;
    public double MaxAbsoluteError { get; init; }
    public double MinTopOneAgreement { get; init; }
    public GateSeverity AccuracyGate { get; init; } = GateSeverity.Error;
    public int LatencyRuns { get; init; } = 10;
    public double AutoTimeBudget { get; init; } = 600;
    public double AutoSizeTolerance { get; init; }
    public IReadOnlyList<string> ExcludeNodes { get; init; } = [];
    public IReadOnlyList<string> ExcludeOpTypes { get; init; } = [];
    public ResourceCompression ResourceCompression { get; init; } = ResourceCompression.None;

    /// <summary>The accuracy gate's thresholds (0 switches a check off).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public AccuracyThresholds Thresholds => new(MinCosineSimilarity, MaxAbsoluteError, MinTopOneAgreement);

    /// <summary>The option names (without <c>--</c>) and the metadata names they come from.</summary>
    public static readonly IReadOnlyDictionary<string, string> MetadataNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["quantize"] = "Quantize", ["per-channel"] = "PerChannel", ["symmetric"] = "Symmetric", ["block-size"] = "BlockSize",
        ["calibration-data"] = "CalibrationData", ["calibration-method"] = "CalibrationMethod", ["percentile"] = "Percentile",
        ["activation-type"] = "ActivationType", ["keep-io-types"] = "KeepIoTypes", ["reduce-weight-range"] = "ReduceWeightRange", ["validation-data"] = "ValidationData",
        ["input-shapes"] = "InputShapes", ["prune"] = "Prune", ["prune-scope"] = "PruneScope", ["sparsity"] = "Sparsity",
        ["channel-multiple"] = "ChannelMultiple", ["prune-importance"] = "PruneImportance", ["prune-output-channels"] = "PruneOutputChannels", ["distill"] = "Distill", ["training-data"] = "TrainingData",
        ["execution-provider"] = "ExecutionProvider", ["min-cosine-similarity"] = "MinCosineSimilarity",
        ["max-absolute-error"] = "MaxAbsoluteError", ["min-top-one-agreement"] = "MinTopOneAgreement",
        ["accuracy-gate"] = "AccuracyGate", ["latency-runs"] = "LatencyRuns", ["auto-time-budget"] = "AutoTimeBudget", ["auto-size-tolerance"] = "AutoSizeTolerance",
        ["exclude-nodes"] = "ExcludeNodes", ["exclude-op-types"] = "ExcludeOpTypes", ["resource-compression"] = "ResourceCompression",
    };

    /// <summary>
    /// Builds options from (option, value) pairs. <paramref name="where"/> is the file named by
    /// errors (the project for build items, null on the command line); <paramref name="subject"/>
    /// names the item (its path).
    /// </summary>
    public static OptimizationOptions Parse(IEnumerable<KeyValuePair<string, string>> pairs, string? where, string subject)
    {
        var o = new OptimizationOptions();
        foreach (var (option, rawValue) in pairs)
        {
            string value = rawValue.Trim();
            if (!MetadataNames.TryGetValue(option, out string? metadata))
            {
                throw new ModelOptException(DiagnosticCode.InvalidArgument, where, $"{subject}: unknown option '--{option}'. Options: {string.Join(", ", MetadataNames.Keys.Select(k => "--" + k))}.");
            }
            var parser = new ValueParser(where, subject, metadata, value);
            o = option switch
            {
                "quantize" => o with { Quantize = parser.Enum<QuantizeMode>() },
                "per-channel" => o with { PerChannel = parser.Bool() },
                "symmetric" => o with { Symmetric = parser.Bool() },
                "block-size" => o with { BlockSize = (int)parser.Number(32, 128, [32, 64, 128]) },
                "calibration-data" => o with { CalibrationData = parser.NonEmpty() },
                "calibration-method" => o with { CalibrationMethod = parser.Enum<CalibrationMethod>() },
                "percentile" => o with { Percentile = parser.Number(50, 100) },
                "activation-type" => o with { ActivationType = parser.Enum<ActivationType>() },
                "keep-io-types" => o with { KeepIoTypes = parser.Bool() },
                "reduce-weight-range" => o with { ReduceWeightRange = parser.Bool() },
                "validation-data" => o with { ValidationData = parser.NonEmpty() },
                "input-shapes" => o with { InputShapes = parser.Shapes() },
                "prune" => o with { Prune = parser.Enum<PruneMode>() },
                "prune-scope" => o with { PruneScope = parser.Enum<PruneScope>() },
                "sparsity" => o with { Sparsity = parser.Number(0, 1) },
                "channel-multiple" => o with { ChannelMultiple = (int)parser.Number(1, 1024, null, integer: true) },
                "prune-importance" => o with { PruneImportance = parser.Enum<ChannelImportance>() },
                "prune-output-channels" => o with { PruneOutputChannels = parser.Bool() },
                "distill" => o with { Distill = parser.Bool() },
                "training-data" => o with { TrainingData = parser.NonEmpty() },
                "execution-provider" => o with { ExecutionProvider = parser.Enum<ExecutionProviderKind>() },
                "min-cosine-similarity" => o with { MinCosineSimilarity = parser.Number(0, 1) },
                "max-absolute-error" => o with { MaxAbsoluteError = parser.Number(0, double.MaxValue) },
                "min-top-one-agreement" => o with { MinTopOneAgreement = parser.Number(0, 1) },
                "accuracy-gate" => o with { AccuracyGate = parser.Enum<GateSeverity>() },
                "latency-runs" => o with { LatencyRuns = (int)parser.Number(0, 1000, null, integer: true) },
                "auto-time-budget" => o with { AutoTimeBudget = parser.Number(1, 86400) },
                "auto-size-tolerance" => o with { AutoSizeTolerance = parser.Number(0, 0.5) },
                "exclude-nodes" => o with { ExcludeNodes = ValueParser.List(value) },
                "exclude-op-types" => o with { ExcludeOpTypes = ValueParser.List(value) },
                "resource-compression" => o with { ResourceCompression = parser.Enum<ResourceCompression>() },
                _ => o,
            };
        }
        o.Validate(where, subject);
        return o;
    }

    // Checks that need several options at once, and refuses capabilities that later versions
    // bring: naming them keeps a user from believing an option worked when it was ignored.
    private void Validate(string? where, string subject)
    {
        void Refuse(string metadata, string value) => throw new ModelOptException(DiagnosticCode.NotAvailableYet, where,
            $"{subject}: {metadata}=\"{value}\" is not available yet in this version of ModelOpt.Build. Remove it.");

        if (Quantize is QuantizeMode.Static && CalibrationData is null)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataMissing, where,
                $"{subject}: Quantize=\"Static\" needs calibration inputs: set CalibrationData to a folder of ONNX TensorProto .pb files (test_data_set layout) or .npy files.");
        }
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
        if (Distill) Refuse("Distill", "true");
    }

    /// <summary>Parses one metadata value, with errors that name the item, the metadata and the accepted values.</summary>
    private readonly struct ValueParser(string? where, string subject, string metadata, string value)
    {
        private ModelOptException Invalid(string expected) => new(DiagnosticCode.InvalidOption, where,
            $"{subject}: {metadata}=\"{value}\" is not valid; expected {expected}.");

        public T Enum<T>() where T : struct, System.Enum
            => System.Enum.TryParse(value, ignoreCase: true, out T result) && System.Enum.IsDefined(result) && !int.TryParse(value, out _)
                ? result
                : throw Invalid(string.Join(", ", System.Enum.GetNames<T>()));

        public bool Bool()
            => bool.TryParse(value, out bool result) ? result : throw Invalid("true or false");

        public string NonEmpty() => value.Length > 0 ? value : throw Invalid("a path");

        public double Number(double min, double max, long[]? allowed = null, bool integer = false)
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || double.IsNaN(number)
                || number < min || number > max || (integer && number != Math.Floor(number))
                || (allowed is not null && !allowed.Contains((long)number)))
            {
                throw Invalid(allowed is not null ? string.Join(", ", allowed) : $"a {(integer ? "whole " : "")}number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
            }
            return number;
        }

        /// <summary><c>x=1,3,224,224;mask=1,128</c>.</summary>
        public Dictionary<string, long[]> Shapes()
        {
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (string entry in List(value))
            {
                int eq = entry.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw Invalid("name=d1,d2,... entries separated by ';'");
                var dims = entry[(eq + 1)..].Split(',').Select(d => long.TryParse(d.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : -1).ToArray();
                if (dims.Length == 0 || dims.Any(d => d < 0)) throw Invalid("positive whole dimensions, e.g. x=1,3,224,224");
                shapes[entry[..eq].Trim()] = dims;
            }
            return shapes;
        }

        public static string[] List(string text)
            => text.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();
    }
}
