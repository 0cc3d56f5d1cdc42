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

    /// <summary>The inputs the gate runs on: ValidationData, else CalibrationData, else generated from the original's declared inputs.</summary>
    /// <remarks>Image and text samples are read for <paramref name="original"/>'s inputs; a Preprocessor runs in <paramref name="sessions"/>.</remarks>
    public static SampleSet InputsFor(OptimizationOptions options, OnnxModel original, string modelPath, SessionFactory? sessions = null)
        => options.ValidationData is { } validation ? SampleSet.FromFolder(validation, "ValidationData", SamplePurpose.Validation, options.ReadContext(original, sessions))
            : options.CalibrationData is { } calibration ? SampleSet.FromFolder(calibration, "CalibrationData", SamplePurpose.Validation, options.ReadContext(original, sessions))
            : SampleSet.Generate(original, modelPath, options.InputShapes);

    /// <summary>Compares <paramref name="optimized"/> with <paramref name="original"/> and checks the thresholds of <paramref name="options"/>.</summary>
    public static AccuracyCheck Run(SessionFactory sessions, byte[] original, byte[] optimized, SampleSet inputs, OptimizationOptions options, string modelPath)
    {
        var comparison = ModelComparison.Compare(sessions, original, optimized, inputs, modelPath, MaxSamples);
        return new AccuracyCheck(comparison, options.Thresholds, AccuracyGate.Check(comparison, options.Thresholds));
    }

    /// <summary>The lowest cosine over the outputs (NaN when one is NaN), the number trials are compared by.</summary>
    public double WorstCosine => Comparison.Outputs.Count == 0 ? 1 : Comparison.Outputs.Select(o => o.Cosine).Aggregate(Math.Min);
}
