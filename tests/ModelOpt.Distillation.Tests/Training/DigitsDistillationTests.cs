using System.Diagnostics;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using Xunit.Abstractions;

namespace ModelOpt.Distillation.Tests.Training;

/// <summary>
/// The digits checks, end to end through the engine: a teacher CNN (≥ 95% test accuracy),
/// structured pruning to half the channels without and with distillation, quantization-aware
/// fine-tuning before Static, the time of the distillation step and its reproducibility.
/// </summary>
public sealed class DigitsDistillationTests(DigitsFixture digits, ITestOutputHelper output) : IClassFixture<DigitsFixture>
{
    [Fact]
    public void Teacher_reaches_95_percent()
    {
        output.WriteLine($"teacher test accuracy {digits.TeacherAccuracy:P2}");
        Assert.True(digits.TeacherAccuracy >= 0.95, $"teacher {digits.TeacherAccuracy:P2}");
    }

    [Fact]
    public void Distillation_recovers_structured_pruning_within_one_point()
    {
        using var folder = new TempFolder();
        var (pruned, _) = Optimize(folder.File("pruned.onnx"), ("Prune", "Structured"), ("Sparsity", "0.5"), ("Quantize", "None"));
        double prunedAccuracy = digits.Data.TestAccuracy(pruned);
        var clock = Stopwatch.StartNew();
        var (distilled, report) = Optimize(folder.File("distilled.onnx"), ("Prune", "Structured"), ("Sparsity", "0.5"), ("Quantize", "None"), ("Distill", "true"),
            ("TrainingData", digits.TrainingFolder), ("Epochs", "8"), ("LearningRate", "0.002"), ("BatchSize", "32"));
        double seconds = clock.Elapsed.TotalSeconds;
        double distilledAccuracy = digits.Data.TestAccuracy(distilled);
        var result = Assert.Single(report.Distillation).Result;
        output.WriteLine($"teacher {digits.TeacherAccuracy:P2}, pruned 0.5 {prunedAccuracy:P2}, distilled {distilledAccuracy:P2}; "
            + $"distillation {result.Seconds:F1} s ({seconds:F1} s whole job), {result.SamplesPerSecond:F0} samples/s, best epoch {result.BestEpoch}");
        foreach (var epoch in result.Epochs) output.WriteLine($"  epoch {epoch.Epoch}: loss {epoch.Loss:G4}, held-out worst cosine {epoch.HeldOutWorstCosine:F4}, accuracy {epoch.HeldOutAccuracy:P1}");
        Assert.True(distilledAccuracy >= digits.TeacherAccuracy - 0.01, $"distilled {distilledAccuracy:P2} vs teacher {digits.TeacherAccuracy:P2}");
        Assert.True(result.Seconds <= 60, $"distillation took {result.Seconds:F1} s");
        Assert.True(result.BestEpoch > 0);
    }

    [Fact]
    public void Layer_wise_reconstruction_alone_recovers_structured_pruning_within_two_points()
    {
        using var folder = new TempFolder();
        var (reconstructed, report) = Optimize(folder.File("reconstructed.onnx"), ("Prune", "Structured"), ("Sparsity", "0.5"), ("Quantize", "None"), ("Distill", "true"),
            ("TrainingData", digits.TrainingFolder), ("Epochs", "0"));
        double accuracy = digits.Data.TestAccuracy(reconstructed);
        var result = Assert.Single(report.Distillation).Result;
        var reconstruction = Assert.IsType<Core.Distillation.ReconstructionResult>(result.Reconstruction);
        output.WriteLine($"teacher {digits.TeacherAccuracy:P2}, reconstructed (no epochs) {accuracy:P2}; {reconstruction.ReconstructedCount} of {reconstruction.Layers.Count} layers, {reconstruction.Seconds:F1} s");
        Assert.Empty(result.Epochs);
        Assert.True(reconstruction.ReconstructedCount >= 2, $"{reconstruction.ReconstructedCount} layers reconstructed");
        Assert.True(accuracy >= digits.TeacherAccuracy - 0.02, $"reconstructed {accuracy:P2} vs teacher {digits.TeacherAccuracy:P2}");
    }

    [Fact]
    public void Quantization_aware_fine_tuning_keeps_static_within_half_a_point()
    {
        using var folder = new TempFolder();
        var (quantized, report) = Optimize(folder.File("qat.onnx"), ("Quantize", "Static"), ("CalibrationData", digits.TrainingFolder), ("Distill", "true"),
            ("TrainingData", digits.TrainingFolder), ("Epochs", "3"), ("LearningRate", "0.0005"), ("BatchSize", "32"));
        double accuracy = digits.Data.TestAccuracy(quantized);
        var result = Assert.Single(report.Distillation, d => d.Stage.StartsWith("quantization-aware", StringComparison.Ordinal)).Result;
        output.WriteLine($"teacher {digits.TeacherAccuracy:P2}, Static with quantization-aware fine-tuning {accuracy:P2}; {result.Seconds:F1} s, {result.SamplesPerSecond:F0} samples/s");
        Assert.True(accuracy >= digits.TeacherAccuracy - 0.005, $"QAT Static {accuracy:P2} vs teacher {digits.TeacherAccuracy:P2}");
    }

    [Fact]
    public void Same_seed_gives_identical_bytes()
    {
        using var folder = new TempFolder();
        (string, string)[] options = [("Prune", "Structured"), ("Sparsity", "0.5"), ("Quantize", "None"), ("Distill", "true"),
            ("TrainingData", digits.TrainingFolder), ("Epochs", "1"), ("LearningRate", "0.002"), ("Seed", "7")];
        var (first, _) = Optimize(folder.File("a.onnx"), options);
        var (second, _) = Optimize(folder.File("b.onnx"), options);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    private (string Path, OptimizationReport Report) Optimize(string outputPath, params (string Option, string Value)[] options)
    {
        var parsed = OptimizationOptions.Parse(
            options.Select(o => KeyValuePair.Create(OptionTable.All.Single(d => d.Metadata == o.Option).Option, o.Value))
                .Append(KeyValuePair.Create("accuracy-gate", "Warning")).Append(KeyValuePair.Create("latency-runs", "0")),
            null, digits.TeacherPath);
        var log = new StringWriter();
        var report = new OptimizationEngine(log, log).Run(new OptimizationJob(digits.TeacherPath, outputPath, null, null, null, parsed));
        output.WriteLine(report.SummaryLine());
        foreach (string line in log.ToString().Split('\n').Where(l => l.Contains("epoch", StringComparison.Ordinal) || l.Contains("reconstruct", StringComparison.Ordinal))) output.WriteLine(line);
        return (outputPath, report);
    }
}
