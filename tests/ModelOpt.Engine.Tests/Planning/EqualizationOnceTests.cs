using ModelOpt.Core.Data;
using ModelOpt.Core.Distillation;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Planning;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Calibration;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Tests.Planning;

/// <summary>
/// A job equalizes once per quantize mode: every trial of the mode (each accuracy-fallback round,
/// each of Auto's) clones the equalized start and only quantizes, and every candidate compares
/// against that one start. The encoder's post-LN LayerNorms give SmoothQuant something to rescale.
/// </summary>
public sealed class EqualizationOnceTests
{
    private static readonly TransformerEncoderBuilder Encoder = new() { Layers = 1, Hidden = 32, Heads = 2, FeedForward = 64, SequenceLength = 8, BatchSize = 1 };

    [Fact]
    public void Static_fallback_rounds_equalize_once_for_every_candidate()
    {
        using var folder = new TempFolder();
        // No int8 model reaches cosine 1, so every fallback round fails and makes one more candidate.
        var options = Options(("quantize", "Static"), ("calibration-data", Encoder.WriteHiddenStateSamples(folder.File("samples"), 2)),
            ("min-cosine-similarity", "1"), ("accuracy-gate", "Warning"), ("latency-runs", "0"));

        var report = new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(Encoder.Save(folder.File("encoder.onnx")), folder.File("out.onnx"), null, null, null, options));

        var load = Assert.Single(report.Steps, s => s.Name == "load");
        var equalize = Assert.Single(report.Steps, s => s.Name == "equalize (Static)");
        Assert.True(load.UsedBy >= 3, $"{load.UsedBy} candidates");
        Assert.Equal(load.UsedBy, equalize.UsedBy);
        Assert.StartsWith("channels rescaled", equalize.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Trials_calibrate_equalization_once_and_share_the_rescaled_reference()
    {
        using var job = new PlannedJob(distill: false);
        var (context, planner, prepared, observer) = (job.Context, job.Planner, job.Prepared, job.Observer);

        var trials = new List<(OnnxModel Model, TransformOutcome Outcome)> { planner.Quantize(context, prepared, QuantizeMode.Static, []) };
        var quantized = trials[0].Outcome.Nodes.Where(n => n.Precision != NodePrecision.Float).Select(n => n.NodeName).ToList();
        // As the fallback's rounds: more nodes kept in float each time.
        trials.Add(planner.Quantize(context, prepared, QuantizeMode.Static, quantized.Take(1).ToList()));
        trials.Add(planner.Quantize(context, prepared, QuantizeMode.Static, quantized.Take(2).ToList()));
        try
        {
            var reference = trials[0].Outcome.RescaledFloat;
            Assert.NotNull(reference);
            Assert.All(trials, t => Assert.Same(reference, t.Outcome.RescaledFloat));
            // The outlier search's and SmoothQuant's one calibration run each, on the start itself; then one calibration per trial, on its own clone.
            Assert.Equal(2, observer.Models.Count(m => ReferenceEquals(m, reference)));
            Assert.Equal(trials.Count, observer.Models.Where(m => !ReferenceEquals(m, reference)).Distinct().Count());
            Assert.All(trials, t => Assert.Contains(t.Model, observer.Models));
        }
        finally
        {
            foreach (var (model, _) in trials) model.Dispose();
        }
    }

    [Fact]
    public void A_candidate_leaves_the_shared_reference_to_the_job()
    {
        using var job = new PlannedJob(distill: false);
        var (context, planner, prepared) = (job.Context, job.Planner, job.Prepared);

        var (first, outcome) = planner.Quantize(context, prepared, QuantizeMode.Static, []);
        byte[] reference = OnnxModelWriter.ToBytes(outcome.RescaledFloat!);
        new Candidate(first, [], QuantizeMode.Static, [], outcome, null!, "Static").Dispose();
        var (second, again) = planner.Quantize(context, prepared, QuantizeMode.Static, []);
        using (second)
        {
            Assert.Same(outcome.RescaledFloat, again.RescaledFloat);
            Assert.Equal(reference, OnnxModelWriter.ToBytes(again.RescaledFloat!));
        }
    }

    [Fact]
    public void Quantization_aware_fine_tuning_trains_the_equalized_start_and_equalizes_no_more()
    {
        using var job = new PlannedJob(distill: true);
        var (context, planner, prepared, distiller) = (job.Context, job.Planner, job.Prepared, job.Distiller);

        var (first, outcome) = planner.Quantize(context, prepared, QuantizeMode.Static, []);
        using var firstModel = first;
        string kept = outcome.Nodes.First(n => n.Precision != NodePrecision.Float).NodeName;
        using var second = planner.Quantize(context, prepared, QuantizeMode.Static, [kept]).Model;

        var request = Assert.Single(distiller.Requests);
        string[] smoothed = SmoothedWeights(request.Student);
        // The student holds SmoothQuant's rescaled weights, and the rounding it simulates covers them
        // (read from the prefix, the student had no weights of those names and they went unsimulated).
        Assert.NotEmpty(smoothed);
        Assert.Empty(SmoothedWeights(prepared.Prefix));
        Assert.Contains(request.Simulation!.Weights.Keys, smoothed.Contains);
        // The teacher holds the student's scale (same intermediate values by name), and the trials compare against the trained student.
        Assert.Equal(smoothed, SmoothedWeights(request.Teacher));
        Assert.Same(request.Student, outcome.RescaledFloat);
        // Equalized once: the trials quantize the student without smoothing it again.
        Assert.Single(context.Steps, s => s.Name == "equalize (Static)");
        Assert.DoesNotContain(first.Graph.Initializers, i => i.Name.Contains("_smoothed_smoothed", StringComparison.Ordinal));
        Assert.Equal(2, context.Candidates);
    }

    private static string[] SmoothedWeights(OnnxModel model)
        => [.. model.Graph.Initializers.Select(i => i.Name).Where(n => n.EndsWith("_smoothed", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private static OptimizationOptions Options(params (string Option, string Value)[] pairs)
        => OptimizationOptions.Parse(pairs.Select(p => KeyValuePair.Create(p.Option, p.Value)), null, "test");

    /// <summary>A Static job on the encoder, prepared (loaded and folded), whose planner calibrates through <see cref="Observer"/>.</summary>
    private sealed class PlannedJob : IDisposable
    {
        private readonly TempFolder _folder = new();
        private readonly SessionFactory _sessions = new();

        public PlannedJob(bool distill)
        {
            string samples = Encoder.WriteHiddenStateSamples(_folder.File("samples"), 2);
            var pairs = new List<(string, string)> { ("quantize", "Static"), ("calibration-data", samples) };
            if (distill) pairs.AddRange([("training-data", samples), ("distill", "true")]);
            var options = Options([.. pairs]);
            Context = new JobContext(new OptimizationJob(Encoder.Save(_folder.File("encoder.onnx")), _folder.File("out.onnx"), null, null, null, options), TextWriter.Null, _sessions);
            Observer = new RecordingObserver(new ActivationCalibrator(_sessions));
            Planner = new PipelinePlanner(options, Observer, _sessions, () => Distiller);
            Prepared = Planner.Prepare(Context, Context.Own(OnnxModelReader.Load(Context.ModelPath)));
        }

        public JobContext Context { get; }

        public RecordingObserver Observer { get; }

        public RecordingDistiller Distiller { get; } = new();

        public PipelinePlanner Planner { get; }

        public PreparedModel Prepared { get; }

        public void Dispose()
        {
            Context.Dispose();
            _sessions.Dispose();
            _folder.Dispose();
        }
    }

    /// <summary>Calibrates as the engine does and remembers which model each run was on.</summary>
    private sealed class RecordingObserver(IActivationObserver inner) : IActivationObserver
    {
        public List<OnnxModel> Models { get; } = [];

        public (ActivationHistogram[] Statistics, ElementType[] Types) Collect(OnnxModel model, IReadOnlyList<Value> activations, SampleSet data, bool withHistograms,
            ActivationVisitor? visitor = null)
        {
            Models.Add(model);
            return inner.Collect(model, activations, data, withHistograms, visitor);
        }
    }

    /// <summary>Trains nothing; keeps each request to look at.</summary>
    private sealed class RecordingDistiller : IModelDistiller
    {
        public List<DistillationRequest> Requests { get; } = [];

        public DistillationResult Distill(DistillationRequest request)
        {
            Requests.Add(request);
            return new DistillationResult([], 0, 0, 0, "none", false, 1, null);
        }
    }
}
