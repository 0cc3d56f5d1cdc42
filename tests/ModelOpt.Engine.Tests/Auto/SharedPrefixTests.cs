using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;

namespace ModelOpt.Engine.Tests.Auto;

/// <summary><c>Auto</c> loads, folds and prunes once and quantizes clones of that prefix, one per trial.</summary>
public sealed class SharedPrefixTests
{
    [Fact]
    public void Auto_on_ResNet18_loads_and_folds_once_for_every_trial()
    {
        using var folder = new TempFolder();
        var options = OptimizationOptions.Parse(
            [KeyValuePair.Create("quantize", "Auto"), KeyValuePair.Create("objective", "Size"), KeyValuePair.Create("latency-runs", "0"), KeyValuePair.Create("min-cosine-similarity", "0.995")], null, "test");

        var progress = new StringWriter();
        var report = new OptimizationEngine(TextWriter.Null, progress).Run(new OptimizationJob(TestData.ResNet18Path, folder.File("out.onnx"), null, null, null, options));

        // One progress line per trial and per gate verdict, so a long build does not look hung.
        string[] lines = progress.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("progress: ResNet18.onnx: Auto trial 1: Int4", lines);
        Assert.Contains(lines, l => l.StartsWith("progress: ResNet18.onnx: gate: worst cosine ", StringComparison.Ordinal));
        int produced = report.Trials.Count(t => t.Bytes > 0);
        Assert.True(produced >= 3, $"{produced} trials produced a model");
        var load = Assert.Single(report.Steps, s => s.Name == "load");
        var fold = Assert.Single(report.Steps, s => s.Name == "fold");
        Assert.Equal(produced, load.UsedBy);
        Assert.Equal(produced, fold.UsedBy);
        Assert.Contains("22 BatchNormalization folded", fold.Detail, StringComparison.Ordinal);
        Assert.Contains($"once for {produced} candidates", fold.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_mode_makes_one_candidate_from_its_prefix()
    {
        using var folder = new TempFolder();
        var options = OptimizationOptions.Parse([KeyValuePair.Create("quantize", "Dynamic"), KeyValuePair.Create("latency-runs", "0"),
            KeyValuePair.Create("prune", "Magnitude"), KeyValuePair.Create("sparsity", "0.3"), KeyValuePair.Create("min-cosine-similarity", "0")], null, "test");

        var report = new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(TestData.ResNet18Path, folder.File("out.onnx"), null, null, null, options));

        Assert.Equal(["load", "fold", "prune"], report.Steps.Select(s => s.Name));
        Assert.All(report.Steps, s => Assert.Equal(1, s.UsedBy));
    }
}
