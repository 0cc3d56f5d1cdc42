using System.Text.Json.Serialization;
using ModelOpt.Core.Data;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Engine.Gate;

/// <summary>The accuracy gate's verdict on one optimized model, as the reports show it.</summary>
/// <param name="Comparison">The metrics per output and where the inputs came from.</param>
/// <param name="Thresholds">The thresholds checked (0 = off).</param>
/// <param name="Violations">The failed checks; empty when the model passed.</param>
public sealed record AccuracyCheck(ComparisonResult Comparison, AccuracyThresholds Thresholds, IReadOnlyList<AccuracyViolation> Violations)
{
    /// <summary>The most samples a gate compares: enough for stable metrics, bounded in time.</summary>
    public const int MaxSamples = 64;

    /// <summary>True when every switched-on check passed (or all are off).</summary>
    public bool Passed => Violations.Count == 0;

    /// <summary>
    /// The inputs the gate runs on: ValidationData, else CalibrationData, else generated from the
    /// original's declared inputs, open dimensions sized by running <paramref name="originalBytes"/>
    /// through <paramref name="sessions"/> (when given).
    /// </summary>
    /// <remarks>Image and text samples are read for <paramref name="original"/>'s inputs; a Preprocessor runs in <paramref name="sessions"/>.</remarks>
    public static SampleSet InputsFor(OptimizationOptions options, OnnxModel original, string modelPath, SessionFactory? sessions = null, byte[]? originalBytes = null)
        => options.ValidationData is { } validation ? SampleSet.FromFolder(validation, "ValidationData", SamplePurpose.Validation, options.ReadContext(original, sessions))
            // Static needs its CalibrationData: a bad folder is a calibration error (MOPT0130), and
            // "leave it out" would be wrong advice; otherwise the folder only feeds the gate.
            : options.CalibrationData is { } calibration ? SampleSet.FromFolder(calibration, "CalibrationData",
                options.Quantize == QuantizeMode.Static ? SamplePurpose.Calibration : SamplePurpose.Validation, options.ReadContext(original, sessions))
            : SampleSet.Generate(original, modelPath, options.InputShapes,
                probe: sessions is not null && originalBytes is not null ? sample => sessions.TryRun(originalBytes, sample) : null);

    /// <summary>The check of a job with the gate off and no inputs: nothing compared, nothing failed; <paramref name="reason"/> says why.</summary>
    public static AccuracyCheck NotRun(OptimizationOptions options, string reason)
        => new(new ComparisonResult([], 0, "no inputs", [reason]), options.Thresholds, []);

    /// <summary>
    /// Compares <paramref name="optimized"/> with <paramref name="original"/> and checks the thresholds of
    /// <paramref name="options"/>; <paramref name="oneSessionAtATime"/> loads the two in turn (a huge graph).
    /// </summary>
    public static AccuracyCheck Run(SessionFactory sessions, byte[] original, byte[] optimized, SampleSet inputs, OptimizationOptions options, string modelPath, bool oneSessionAtATime = false)
    {
        var comparison = ModelComparison.Compare(sessions, original, optimized, inputs, modelPath, MaxSamples, oneSessionAtATime);
        return new AccuracyCheck(comparison, options.Thresholds, AccuracyGate.Check(comparison, options.Thresholds));
    }

    /// <summary>
    /// The lowest per-sample cosine over all outputs and samples (NaN when one is NaN), the number
    /// trials are compared by and the summary line shows: the worst input, not an average.
    /// </summary>
    public double WorstCosine => Comparison.Outputs.Count == 0 ? 1 : Comparison.Outputs.Select(o => o.WorstCosine).Aggregate(Math.Min);

    /// <summary>The output whose worst sample has the lowest cosine (the first on a tie, a NaN one first), or null when none was compared.</summary>
    [JsonIgnore] // already in Comparison.Outputs; written twice it would only repeat the per-sample list
    public OutputMetrics? WorstOutput
    {
        get
        {
            OutputMetrics? worst = null;
            foreach (var o in Comparison.Outputs)
            {
                if (worst is null || (!double.IsNaN(worst.WorstCosine) && (double.IsNaN(o.WorstCosine) || o.WorstCosine < worst.WorstCosine))) worst = o;
            }
            return worst;
        }
    }
}
