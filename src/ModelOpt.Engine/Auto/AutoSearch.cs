using System.Diagnostics;
using System.Globalization;
using ModelOpt.Core.Quantization;
using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Planning;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution.Gpu;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Auto;

/// <summary>
/// <c>Quantize="Auto"</c>: tries Int4, Static (data-free without CalibrationData), Dynamic and
/// Float16, in that order (roughly smallest first), each checked by the accuracy gate. A mode
/// that fails is made again with its most sensitive nodes kept in float, more each round, until
/// it passes (<see cref="FloatFallbackSearch"/>). A mode that quantizes nothing is not a
/// candidate: it would only be the original under another name. The smallest passing model wins.
/// Models of the same size, or within <c>AutoSizeTolerance</c> of it when the user trades a
/// little size for speed, are tied; a tie goes to the one that runs faster in ONNX Runtime by
/// more than <see cref="LatencyMargin"/>, else to the earlier trial. That is all of
/// <c>Objective="Size"</c>. The default <c>Balanced</c> times every passing model against the
/// original in the same run and takes the smallest that is not slower (above
/// <see cref="SlowerThreshold"/>); <c>Latency</c> takes the fastest that is not slower. When every
/// passing model is slower, the model is embedded unquantized with warning MOPT0185.
/// When nothing passes, the model is embedded unquantized (pruning still applies) with warning
/// MOPT0183. Trials stop once the time budget is spent; the remaining ones are listed as skipped.
/// The shared prefix (load, fold, prune) is done once by the job; every trial quantizes a clone.
/// </summary>
/// <remarks>
/// Everything but the latency comparison is deterministic: trials, inputs, and the sensitivity
/// ranking are the same every run. Latency is measured, so margins keep noise from flipping the
/// choice between models whose speed is close; within them the fixed order decides. A project
/// that needs the same bytes on every machine sets <c>Objective="Size"</c> and no size tolerance.
/// </remarks>
public sealed class AutoSearch
{
    /// <summary>A tied model must be this much faster (as a fraction) to beat an earlier trial.</summary>
    public const double LatencyMargin = 0.10;

    /// <summary>
    /// A model counts as slower than the original only above this ratio minus one: same-run
    /// latency varies by a few percent, and a margin keeps that noise from changing the choice.
    /// </summary>
    public const double SlowerThreshold = 0.05;

    // Enough runs that the comparison with the original is stable to a few percent.
    private const int MinimumAutoLatencyRuns = 20;

    private static readonly QuantizeMode[] Modes = [QuantizeMode.Int4, QuantizeMode.Static, QuantizeMode.Dynamic, QuantizeMode.Float16];

    /// <summary>
    /// The modes tried when the app runs the model on CUDA (<c>TargetExecutionProvider="Cuda"</c>):
    /// those whose operators ONNX Runtime's CUDA provider runs as GPU kernels. Dynamic's
    /// DynamicQuantizeLinear, ConvInteger and uint8 MatMulInteger have no CUDA kernels; Static's
    /// QDQ pairs stay on the GPU but around float kernels (the CUDA provider fuses no QDQ group
    /// into an int8 kernel), so it saves no GPU time.
    /// </summary>
    private static readonly QuantizeMode[] CudaModes = [QuantizeMode.Int4, QuantizeMode.Float16];

    private readonly JobContext _context;
    private readonly PipelinePlanner _planner;
    private readonly PreparedModel _prepared;
    private readonly ModelGate _gate;
    private readonly List<AutoTrial> _trials = [];
    private readonly Stopwatch _clock = new();
    private int _attempts;

    /// <summary>A search over the prefix <paramref name="prepared"/> of <paramref name="context"/>'s job.</summary>
    public AutoSearch(JobContext context, PipelinePlanner planner, PreparedModel prepared, ModelGate gate)
    {
        _context = context;
        _planner = planner;
        _prepared = prepared;
        _gate = gate;
    }

    private OptimizationOptions Options => _context.Options;

    /// <summary>Runs the search; the caller owns (disposes) the returned candidate.</summary>
    public (Candidate Chosen, IReadOnlyList<AutoTrial> Trials) Run()
    {
        _clock.Restart();
        var passing = new List<Candidate>();
        try
        {
            bool cuda = Options.TargetExecutionProvider == TargetExecutionProviderKind.Cuda;
            foreach (var mode in Modes)
            {
                if (cuda && !CudaModes.Contains(mode))
                {
                    _trials.Add(Skipped(mode, $"skipped: TargetExecutionProvider=Cuda, and {mode} does not run as GPU kernels in ONNX Runtime's CUDA provider"));
                    continue;
                }
                if (OverBudget(mode)) continue;
                var candidate = Try(mode, mode.ToString(), []);
                if (candidate is null) continue;
                if (candidate.QuantizesNothing)
                {
                    _trials[^1] = _trials[^1] with { Passed = false, Note = $"not a candidate: {mode} quantizes none of this model's nodes" };
                    Discard(candidate);
                    continue;
                }
                if (cuda && CudaKernelCoverage.NodesWithoutCudaKernel(candidate.Model) is { Count: > 0 } leaving)
                {
                    _trials[^1] = _trials[^1] with { Passed = false, Note = $"not a candidate: TargetExecutionProvider=Cuda, and {leaving.Count} node(s) would run on the CPU ({string.Join(", ", leaving.Select(n => n.OpType).Distinct())})" };
                    Discard(candidate);
                    continue;
                }
                if (candidate.Check.Passed)
                {
                    passing.Add(candidate);
                    continue;
                }

                var fallback = new FloatFallbackSearch(_context, _prepared, _gate)
                    .Run(candidate, (configuration, kept) => Try(mode, configuration, kept), Discard, () => OverBudget(mode));
                Discard(candidate);
                if (fallback is not null) passing.Add(fallback);
            }

            if (passing.Count == 0)
            {
                _context.Diagnostics.WriteLine($"{_context.ModelPath}: warning {DiagnosticCode.AutoFoundNoPassingQuantization}: {_context.ModelPath}: Quantize=\"Auto\" found no quantization that passes the accuracy gate ({Thresholds(Options)}); the model is embedded unquantized. The report lists every trial.");
                var fallback = Try(QuantizeMode.None, "None (nothing passed)", [])
                    ?? throw new ModelOptException(DiagnosticCode.AccuracyGateFailed, _context.ModelPath, $"Quantize=\"Auto\": even the unquantized model fails the accuracy gate ({Thresholds(Options)}); relax the thresholds or check the validation data.");
                return (fallback, Mark(fallback.Configuration, "chosen: no quantization passed"));
            }
            var (chosen, decision, latencies) = Choose(passing);
            foreach (var candidate in passing.Where(c => c != chosen)) Discard(candidate);
            passing.Clear();
            for (int i = 0; i < _trials.Count; i++)
            {
                if (latencies.TryGetValue(_trials[i].Configuration, out double ratio)) _trials[i] = _trials[i] with { LatencyRatio = ratio };
            }
            if (chosen is null)
            {
                string ratios = string.Join(", ", latencies.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} x{l.Value:0.00}")));
                _context.Diagnostics.WriteLine($"{_context.ModelPath}: warning {DiagnosticCode.AutoFoundOnlySlowerModels}: {_context.ModelPath}: Quantize=\"Auto\": every model that passes the accuracy gate ran slower than the original in ONNX Runtime on this machine ({ratios}); the model is embedded unquantized. Set ModelOptObjective=\"Size\" to take the smallest passing model anyway, or give CalibrationData (real inputs) so that Static is calibrated on them rather than data-free.");
                var unquantized = Try(QuantizeMode.None, "None (every passing model ran slower)", [])
                    ?? throw new ModelOptException(DiagnosticCode.AccuracyGateFailed, _context.ModelPath, "Quantize=\"Auto\": the unquantized model could not be produced.");
                return (unquantized, Mark(unquantized.Configuration, "chosen: every passing quantization ran slower than the original (Objective=" + Options.Objective + ")"));
            }
            return (chosen, Mark(chosen.Configuration, decision));
        }
        finally
        {
            foreach (var candidate in passing) candidate.Dispose();
        }
    }

    private bool OverBudget(QuantizeMode mode)
    {
        if (_clock.Elapsed.TotalSeconds < Options.AutoTimeBudget) return false;
        _trials.Add(Skipped(mode, string.Create(CultureInfo.InvariantCulture, $"skipped: the time budget ({Options.AutoTimeBudget:0} s, ModelOptAutoTimeBudget) was spent")));
        return true;
    }

    private static AutoTrial Skipped(QuantizeMode mode, string note) => new(mode.ToString(), mode, [], 0, double.NaN, false, 0, null, note, false);

    /// <summary>Quantizes a clone of the prefix, checks it in ONNX Runtime and gates it; a configuration that cannot be produced is a failed trial, not a failed build.</summary>
    private Candidate? Try(QuantizeMode mode, string configuration, IReadOnlyList<string> keptInFloat)
    {
        var clock = Stopwatch.StartNew();
        _context.Progress($"Auto trial {++_attempts}: {configuration}");
        OnnxModel? model = null;
        try
        {
            (model, var outcome) = _planner.Quantize(_context, _prepared, mode, keptInFloat);
            byte[] bytes = OnnxModelWriter.ToBytes(model);
            var check = _gate.Check(bytes);
            _trials.Add(new AutoTrial(configuration, mode, keptInFloat, bytes.LongLength, check.WorstCosine, check.Passed, Seconds(clock), null,
                check.Passed ? null : "fails the gate: " + string.Join("; ", check.Violations.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Output} {v.Metric} {v.Measured:G5}{(v.SampleName is { } sample ? $" on '{sample}'" : "")}"))), false));
            return new Candidate(model, bytes, mode, keptInFloat, outcome, check, configuration);
        }
        catch (ModelOptException e) when (e.Code is not (DiagnosticCode.ValidationInputsInvalid or DiagnosticCode.DistillationPackageMissing
            or DiagnosticCode.TrainingDataMissing or DiagnosticCode.TorchSharpUnavailable))
        {
            // Bad validation inputs, or distillation that cannot start, fail every trial alike: that is the user's to fix, so it ends the search.
            model?.Dispose();
            _trials.Add(new AutoTrial(configuration, mode, keptInFloat, 0, double.NaN, false, Seconds(clock), null, $"failed: {e.Code}: {e.Message}", false));
            return null;
        }
        catch
        {
            model?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Picks among the passing models by <c>Objective</c>; null when every one ran slower than
    /// the original and the objective forbids that. Only <c>Size</c> with a single smallest
    /// model, or no inputs to time on, skips the latency measurement.
    /// </summary>
    private (Candidate? Chosen, string Decision, Dictionary<string, double> Latencies) Choose(List<Candidate> passing)
    {
        // Smallest first; OrderBy is stable, so equal sizes keep the fixed trial order.
        var bySize = passing.OrderBy(c => c.Bytes.LongLength).ToList();
        long smallest = bySize[0].Bytes.LongLength;
        var tied = bySize.Where(c => c.Bytes.LongLength <= smallest * (1 + Options.AutoSizeTolerance)).ToList();
        var latencies = new Dictionary<string, double>(StringComparer.Ordinal);
        if (Options.Objective == AutoObjective.Size && tied.Count == 1) return (tied[0], "chosen: the smallest model that passes the gate (Objective=Size)", latencies);
        if (_gate.Inputs is null) return (bySize[0], "chosen: the smallest model (no inputs to time the models on)", latencies);

        var timed = Options.Objective == AutoObjective.Size ? tied : bySize;
        var sample = _gate.Inputs.Samples().First();
        var result = LatencyMeasurement.Measure(_context.Sessions, [_gate.Original, .. timed.Select(c => c.Bytes)], sample, 2, Math.Max(Options.LatencyRuns, MinimumAutoLatencyRuns), modelPath: _context.ModelPath);
        for (int i = 0; i < timed.Count; i++) latencies[timed[i].Configuration] = result.Ratio(i + 1);

        if (Options.Objective == AutoObjective.Size)
        {
            var fastestTied = FastestUnlessWithinMargin(tied, latencies);
            return (fastestTied, string.Create(CultureInfo.InvariantCulture,
                $"chosen: {tied.Count} passing models within {Options.AutoSizeTolerance:P1} of the smallest size (AutoSizeTolerance); the fastest in ONNX Runtime (latency {latencies[fastestTied.Configuration]:0.00} of the original)"), latencies);
        }

        var notSlower = bySize.Where(c => latencies[c.Configuration] <= 1 + SlowerThreshold).ToList();
        if (notSlower.Count == 0) return (null, "", latencies);
        if (Options.Objective == AutoObjective.Latency)
        {
            var fastest = FastestUnlessWithinMargin(notSlower, latencies);
            return (fastest, string.Create(CultureInfo.InvariantCulture,
                $"chosen: the fastest passing model (Objective=Latency; latency {latencies[fastest.Configuration]:0.00} of the original)"), latencies);
        }
        long smallestNotSlower = notSlower[0].Bytes.LongLength;
        var balancedTied = notSlower.Where(c => c.Bytes.LongLength <= smallestNotSlower * (1 + Options.AutoSizeTolerance)).ToList();
        var chosen = FastestUnlessWithinMargin(balancedTied, latencies);
        string skipped = notSlower[0] == bySize[0] ? "" : $", passing over smaller ones that ran slower than the original";
        return (chosen, string.Create(CultureInfo.InvariantCulture,
            $"chosen: the smallest passing model that is not slower than the original (Objective=Balanced; latency {latencies[chosen.Configuration]:0.00} of the original{skipped})"), latencies);
    }

    /// <summary>The first of <paramref name="ordered"/> unless a later one is faster by more than <see cref="LatencyMargin"/>: preference order decides within the noise.</summary>
    private static Candidate FastestUnlessWithinMargin(List<Candidate> ordered, Dictionary<string, double> latencies)
    {
        var chosen = ordered[0];
        foreach (var candidate in ordered.Skip(1))
        {
            if (latencies[candidate.Configuration] < latencies[chosen.Configuration] * (1 - LatencyMargin)) chosen = candidate;
        }
        return chosen;
    }

    /// <summary>A trial the search no longer needs: its model, and the sessions the job's factory holds for it.</summary>
    private void Discard(Candidate candidate)
    {
        _context.Sessions.Release(candidate.Bytes);
        candidate.Dispose();
    }

    private List<AutoTrial> Mark(string configuration, string note)
        => _trials.Select(t => t.Configuration == configuration && t.Bytes > 0 ? t with { Chosen = true, Note = t.Note is null ? note : t.Note + "; " + note } : t).ToList();

    private static string Thresholds(OptimizationOptions o)
        => string.Create(CultureInfo.InvariantCulture, $"MinCosineSimilarity={o.MinCosineSimilarity}, MaxAbsoluteError={o.MaxAbsoluteError}, MinTopOneAgreement={o.MinTopOneAgreement}");

    private static double Seconds(Stopwatch clock) => Math.Round(clock.Elapsed.TotalSeconds, 2);
}
