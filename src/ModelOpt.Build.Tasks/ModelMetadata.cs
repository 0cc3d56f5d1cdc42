using System;
using System.Globalization;
using System.Linq;

namespace ModelOpt.Build.Tasks;

/// <summary>
/// The item metadata of <c>&lt;OptimizeModel&gt;</c> that the worker reads, with the worker option
/// each maps to and how its value is normalized for the options hash. The engine declares every
/// option once (<c>ModelOpt.Engine.Options.OptionTable</c>); this task assembly runs inside MSBuild
/// on netstandard2.0 and cannot reference the engine, so it keeps this copy, and a test
/// (<c>ModelMetadataTests</c>) fails when the two differ in any name, order, kind or value.
/// </summary>
internal static class ModelMetadata
{
    /// <summary>The metadata in a fixed order: the order of the response file and of the options hash.</summary>
    public static readonly ModelOption[] EngineOptions =
    [
        Enum("Quantize", "None", "Dynamic", "Static", "Int4", "Float16", "Auto", "Recommended"),
        Bool("PerChannel"),
        Bool("Symmetric"),
        Number("BlockSize"),
        Path("CalibrationData"),
        Enum("CalibrationMethod", "MinMax", "Percentile", "Entropy"),
        Enum("WeightRounding", "Nearest", "Gptq"),
        Number("Percentile"),
        Enum("ActivationType", "UInt8", "Int8"),
        Bool("KeepIoTypes"),
        Bool("ReduceWeightRange"),
        Bool("BiasCorrection"),
        Bool("CrossLayerEqualization"),
        Bool("SmoothQuant"),
        Bool("OutlierDecomposition"),
        Bool("AccuracyFallback"),
        Path("ValidationData"),
        new("InputShapes", ModelOptionKind.Shapes, []),
        Enum("Prune", "None", "Magnitude", "Structured"),
        Enum("PruneScope", "Layer", "Global"),
        Number("Sparsity"),
        Number("ChannelMultiple"),
        Enum("PruneImportance", "L1", "L2"),
        Bool("PruneOutputChannels"),
        Bool("Distill"),
        Path("TrainingData"),
        Number("Epochs"),
        Number("LearningRate"),
        Number("BatchSize"),
        Number("Temperature"),
        Number("DistillAlpha"),
        Number("Seed"),
        Enum("DistillLoss", "Auto", "KL", "MSE"),
        Number("DistillTimeBudget"),
        new("ImageSize", ModelOptionKind.Size, []),
        Enum("ImageResize", "Crop", "Stretch", "Pad"),
        Number("ImageScale"),
        new("ImageMean", ModelOptionKind.Numbers, []),
        new("ImageStd", ModelOptionKind.Numbers, []),
        Enum("ChannelOrder", "RGB", "BGR"),
        Enum("ImageLayout", "Auto", "NCHW", "NHWC"),
        Path("Preprocessor"),
        Path("Vocabulary"),
        Number("MaxSequenceLength"),
        Enum("ExecutionProvider", "Auto", "Cpu", "Cuda"),
        Bool("RequireGpu"),
        Enum("TargetExecutionProvider", "Cpu", "Cuda"),
        Number("MinCosineSimilarity"),
        Number("MaxAbsoluteError"),
        Number("MinTopOneAgreement"),
        Enum("AccuracyGate", "Error", "Warning"),
        Number("LatencyRuns"),
        Number("AutoTimeBudget"),
        Number("AutoSizeTolerance"),
        Enum("Objective", "Balanced", "Size", "Latency"),
        new("ExcludeNodes", ModelOptionKind.List, []),
        new("ExcludeOpTypes", ModelOptionKind.List, []),
        Enum("ResourceCompression", "None", "Brotli"),
    ];

    private static ModelOption Enum(string metadata, params string[] values) => new(metadata, ModelOptionKind.Enum, values);

    private static ModelOption Bool(string metadata) => new(metadata, ModelOptionKind.Bool, []);

    private static ModelOption Number(string metadata) => new(metadata, ModelOptionKind.Number, []);

    private static ModelOption Path(string metadata) => new(metadata, ModelOptionKind.Path, []);
}

/// <summary>How a metadata value is read (the names match the engine's <c>OptionKind</c>).</summary>
internal enum ModelOptionKind { Enum, Bool, Number, Path, List, Shapes, Size, Numbers }

/// <summary>One metadata name, its worker option (<c>--kebab-case</c>) and how its value is normalized.</summary>
internal sealed class ModelOption
{
    public ModelOption(string metadata, ModelOptionKind kind, string[] values)
    {
        Metadata = metadata;
        Kind = kind;
        Values = values;
        Option = "--" + string.Concat(metadata.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
    }

    public string Metadata { get; }

    public string Option { get; }

    public ModelOptionKind Kind { get; }

    /// <summary>The accepted names of an enum option, in their canonical case.</summary>
    public string[] Values { get; }

    /// <summary>
    /// The value as the options hash sees it, so that spellings the worker treats alike hash alike
    /// (<c>static</c> is <c>Static</c>, <c>0.50</c> is <c>0.5</c>, <c>True</c> is <c>true</c>). A value
    /// the worker will refuse is hashed as written: its build fails anyway.
    /// </summary>
    public string Normalize(string text)
    {
        text = text.Trim();
        switch (Kind)
        {
            case ModelOptionKind.Enum:
                return Values.FirstOrDefault(v => string.Equals(v, text, StringComparison.OrdinalIgnoreCase)) ?? text;
            case ModelOptionKind.Bool:
                return bool.TryParse(text, out bool flag) ? (flag ? "true" : "false") : text;
            case ModelOptionKind.Number:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && !double.IsNaN(number)
                    ? number.ToString("R", CultureInfo.InvariantCulture)
                    : text;
            case ModelOptionKind.List:
                return string.Join(";", text.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0));
            case ModelOptionKind.Shapes:
                return string.Join(";", text.Split(';').Select(s => string.Concat(s.Where(c => !char.IsWhiteSpace(c)))).Where(s => s.Length > 0).OrderBy(s => s, StringComparer.Ordinal));
            case ModelOptionKind.Size:
                return NormalizeSize(text);
            case ModelOptionKind.Numbers:
                string[] parts = text.Split(',');
                var numbers = parts.Select(p => double.TryParse(p.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && !double.IsNaN(n) && !double.IsInfinity(n) ? n : (double?)null).ToArray();
                return numbers.All(n => n.HasValue) ? string.Join(",", numbers.Select(n => n!.Value.ToString("R", CultureInfo.InvariantCulture))) : text;
            default:
                return text;
        }
    }

    // "224" is "224x224", "320 X 48" is "320x48", as the engine's ImageSize writes them.
    private static string NormalizeSize(string text)
    {
        string[] parts = text.Split('x', 'X');
        var sides = parts.Select(p => int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 && n <= 16384 ? n : 0).ToArray();
        if (parts.Length > 2 || sides.Any(n => n == 0)) return text;
        return sides[0].ToString(CultureInfo.InvariantCulture) + "x" + sides[sides.Length - 1].ToString(CultureInfo.InvariantCulture);
    }
}
