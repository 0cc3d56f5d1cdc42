using System.Globalization;

namespace ModelOpt.Benchmarks;

/// <summary>The benchmark parts a run can select with <c>--only</c> / <c>--skip</c>.</summary>
[Flags]
internal enum BenchmarkParts
{
    None = 0,
    ResNetTime = 1,
    ResNetMemory = 2,
    Large = 4,
    NoOpBuild = 8,
    Quantization = 16,
    Pruning = 32,
    Scaling = 64,
    All = ResNetTime | ResNetMemory | Large | NoOpBuild | Quantization | Pruning | Scaling,
}

/// <summary>Command-line options of a benchmark run (the default run measures everything).</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage =
        "usage: ModelOpt.Benchmarks [--only PARTS] [--skip PARTS] [--runs N] [--warmup N] [--large-gb GB] [--scaling-nodes N,N,...] [--scaling-shapes Relu,MatMulAdd] [--scaling-quantize MODE] [--temp-dir DIR]\n" +
        "  PARTS: comma-separated list of resnet-time, resnet-memory, resnet (both), large, noop-build, quantization, pruning, scaling";

    public BenchmarkParts Parts { get; init; } = BenchmarkParts.All;

    /// <summary>Timed runs of each side of the load+save comparison (the median is reported).</summary>
    public int Runs { get; init; } = 15;

    /// <summary>Untimed runs of each side first, so JIT, disk cache and GC heap sizes settle.</summary>
    public int WarmUpRuns { get; init; } = 3;

    /// <summary>Size of the generated external-data model in GiB.</summary>
    public double LargeGiB { get; init; } = 3;

    /// <summary>Node counts of the scaling benchmark's chains; the smallest is the baseline.</summary>
    public IReadOnlyList<int> ScalingNodes { get; init; } = [3_000, 30_000, 300_000, 1_000_000];

    /// <summary>The chain shapes the scaling benchmark builds.</summary>
    public IReadOnlyList<TestUtilities.ChainShape> ScalingShapes { get; init; } = [TestUtilities.ChainShape.Relu, TestUtilities.ChainShape.MatMulAdd];

    /// <summary>The <c>--quantize</c> mode the scaling benchmark optimizes with.</summary>
    public string ScalingQuantize { get; init; } = "Dynamic";

    /// <summary>Where scratch files go (the large model needs twice its size free).</summary>
    public string TempDirectory { get; init; } = Path.GetTempPath();

    /// <summary>Parses the arguments, or returns null with a message for the user.</summary>
    public static BenchmarkOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var options = new BenchmarkOptions();
        BenchmarkParts? only = null;
        var skip = BenchmarkParts.None;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Count)
            {
                error = $"option '{name}' needs a value.";
                return null;
            }
            string value = args[++i];
            switch (name)
            {
                case "--only":
                    only = (only ?? BenchmarkParts.None) | ParseParts(value, ref error);
                    break;
                case "--skip":
                    skip |= ParseParts(value, ref error);
                    break;
                case "--runs":
                    options = options with { Runs = ParsePositiveInt(name, value, ref error) };
                    break;
                case "--warmup":
                    options = options with { WarmUpRuns = ParsePositiveInt(name, value, ref error) };
                    break;
                case "--large-gb":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double gib) || gib <= 0 || gib > 1024)
                    {
                        error = $"--large-gb wants a size in GiB above 0, not '{value}'.";
                    }
                    options = options with { LargeGiB = gib };
                    break;
                case "--scaling-nodes":
                    var sizes = new List<int>();
                    foreach (string size in value.Split(',', StringSplitOptions.TrimEntries)) sizes.Add(ParsePositiveInt(name, size, ref error));
                    options = options with { ScalingNodes = sizes };
                    break;
                case "--scaling-shapes":
                    var shapes = new List<TestUtilities.ChainShape>();
                    foreach (string shape in value.Split(',', StringSplitOptions.TrimEntries))
                    {
                        if (Enum.TryParse<TestUtilities.ChainShape>(shape, ignoreCase: true, out var parsed)) shapes.Add(parsed);
                        else error = $"--scaling-shapes wants Relu and/or MatMulAdd, not '{shape}'.";
                    }
                    options = options with { ScalingShapes = shapes };
                    break;
                case "--scaling-quantize":
                    options = options with { ScalingQuantize = value };
                    break;
                case "--temp-dir":
                    options = options with { TempDirectory = value };
                    break;
                default:
                    error = $"unknown option '{name}'.";
                    break;
            }
            if (error is not null) return null;
        }
        return options with { Parts = (only ?? BenchmarkParts.All) & ~skip };
    }

    private static BenchmarkParts ParseParts(string list, ref string? error)
    {
        var parts = BenchmarkParts.None;
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part)
            {
                case "resnet-time": parts |= BenchmarkParts.ResNetTime; break;
                case "resnet-memory": parts |= BenchmarkParts.ResNetMemory; break;
                case "resnet": parts |= BenchmarkParts.ResNetTime | BenchmarkParts.ResNetMemory; break;
                case "large": parts |= BenchmarkParts.Large; break;
                case "noop-build": parts |= BenchmarkParts.NoOpBuild; break;
                case "quantization": parts |= BenchmarkParts.Quantization; break;
                case "pruning": parts |= BenchmarkParts.Pruning; break;
                case "scaling": parts |= BenchmarkParts.Scaling; break;
                default: error = $"unknown benchmark part '{part}'."; break;
            }
        }
        return parts;
    }

    private static int ParsePositiveInt(string name, string value, ref string? error)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number > 0) return number;
        error = $"{name} wants a positive whole number, not '{value}'.";
        return 0;
    }
}
