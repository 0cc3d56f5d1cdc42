using ModelOpt.Engine.Auto;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Tests.Auto;

/// <summary>
/// <c>Objective</c> decides among the models that pass the gate. Latency is measured, so these
/// tests check the decision rule against the ratios the report gives, never a time.
/// </summary>
public sealed class AutoObjectiveTests
{
    [Fact]
    public void Balanced_times_every_passing_model_and_never_embeds_one_that_ran_slower()
    {
        var (report, warnings) = RunAuto("Balanced");

        var passing = report.Trials.Where(t => t.Passed).ToList();
        Assert.True(passing.Count >= 2, $"{passing.Count} trials passed");
        Assert.All(passing.Where(t => t.Quantize != QuantizeMode.None), t => Assert.NotNull(t.LatencyRatio));
        var chosen = Assert.Single(report.Trials, t => t.Chosen);
        var notSlower = passing.Where(t => t.Quantize != QuantizeMode.None && t.LatencyRatio <= 1 + AutoSearch.SlowerThreshold).ToList();
        if (notSlower.Count == 0)
        {
            // Every quantization ran slower on this machine: the original precision is kept, and the build says so.
            Assert.Equal(QuantizeMode.None, chosen.Quantize);
            Assert.Contains("MOPT0185", warnings, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(chosen.LatencyRatio <= 1 + AutoSearch.SlowerThreshold, $"chosen {chosen.Configuration} ran x{chosen.LatencyRatio}");
            Assert.Equal(notSlower.Min(t => t.Bytes), chosen.Bytes);
            Assert.DoesNotContain("MOPT0185", warnings, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Latency_takes_the_fastest_passing_model_that_is_not_slower()
    {
        var (report, _) = RunAuto("Latency");

        var chosen = Assert.Single(report.Trials, t => t.Chosen);
        var notSlower = report.Trials.Where(t => t.Passed && t.Quantize != QuantizeMode.None && t.LatencyRatio <= 1 + AutoSearch.SlowerThreshold).ToList();
        if (notSlower.Count == 0)
        {
            Assert.Equal(QuantizeMode.None, chosen.Quantize);
            return;
        }
        // Within the noise margin the smaller model is preferred, so the chosen one is at most 1/(1-margin) slower than the fastest.
        Assert.True(chosen.LatencyRatio <= notSlower.Min(t => t.LatencyRatio!.Value) / (1 - AutoSearch.LatencyMargin) + 1e-9);
    }

    [Fact]
    public void Size_takes_the_smallest_passing_model_without_timing_it()
    {
        var (report, _) = RunAuto("Size");

        var chosen = Assert.Single(report.Trials, t => t.Chosen);
        Assert.Equal(report.Trials.Where(t => t.Passed).Min(t => t.Bytes), chosen.Bytes);
        Assert.All(report.Trials, t => Assert.Null(t.LatencyRatio));
    }

    private static (OptimizationReport Report, string Warnings) RunAuto(string objective)
    {
        using var folder = new TempFolder();
        string encoder = folder.File("encoder.onnx");
        using (var model = new TransformerEncoderBuilder { Layers = 1, Hidden = 128, Heads = 2, FeedForward = 512, SequenceLength = 32, BatchSize = 1 }.Build())
        {
            OnnxModelWriter.Save(model, encoder);
        }
        var options = OptimizationOptions.Parse([KeyValuePair.Create("quantize", "Auto"), KeyValuePair.Create("objective", objective),
            KeyValuePair.Create("latency-runs", "0"), KeyValuePair.Create("min-cosine-similarity", "0.98")], null, "test");
        var warnings = new StringWriter();
        var report = new OptimizationEngine(warnings).Run(new OptimizationJob(encoder, folder.File("out.onnx"), null, null, null, options));
        return (report, warnings.ToString());
    }
}
