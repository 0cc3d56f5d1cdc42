using ModelOpt.Core.Data;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Distillation;

/// <summary>
/// The samples a distillation trains and judges on: <c>TrainingData</c> (else
/// <c>CalibrationData</c>) with its labels, and held-out samples — <c>ValidationData</c> when
/// given, else every fifth training sample, which is then not trained on. Samples are read into
/// memory once: every epoch visits them again in a new order.
/// </summary>
/// <param name="Training">The training samples.</param>
/// <param name="TrainingLabels">Their labels, or null.</param>
/// <param name="HeldOut">The held-out samples.</param>
/// <param name="HeldOutLabels">Their labels, or null.</param>
/// <param name="Description">Where they come from, for the report.</param>
public sealed record DistillationData(
    IReadOnlyList<Sample> Training,
    IReadOnlyList<int>? TrainingLabels,
    IReadOnlyList<Sample> HeldOut,
    IReadOnlyList<int>? HeldOutLabels,
    string Description)
{
    /// <summary>Every how many training samples one is held out when there is no ValidationData.</summary>
    public const int HeldOutEvery = 5;

    /// <summary>Reads the samples for <paramref name="model"/>'s inputs as <paramref name="options"/> say.</summary>
    public static DistillationData Read(OptimizationOptions options, OnnxModel model, SessionFactory? sessions, string? diagnosticsFile, string subject)
    {
        var (folder, option) = options.TrainingData is { } training ? (training, "TrainingData")
            : options.CalibrationData is { } calibration ? (calibration, "CalibrationData")
            : throw new ModelOptException(DiagnosticCode.TrainingDataMissing, diagnosticsFile,
                $"{subject}: Distill=\"true\" needs TrainingData, a folder of samples the student learns on (tensors, images or text, as CalibrationData; labels.txt optional). Set TrainingData, or remove Distill.");
        var context = options.ReadContext(model, sessions);
        var samples = SampleSet.FromFolder(folder, option, SamplePurpose.Training, context).Samples().ToList();
        var labels = SampleLabels.Read(folder, samples.Count, option);
        if (options.ValidationData is { } validation)
        {
            var heldOut = SampleSet.FromFolder(validation, "ValidationData", SamplePurpose.Validation, context).Samples().ToList();
            return new(samples, labels, heldOut, SampleLabels.Read(validation, heldOut.Count, "ValidationData"),
                $"{samples.Count} samples of {option}, judged on {heldOut.Count} of ValidationData");
        }
        if (samples.Count < HeldOutEvery)
        {
            // Too few to hold any out: judge on the training samples, and say so.
            return new(samples, labels, samples, labels, $"{samples.Count} samples of {option}, judged on the same samples (too few to hold out; give ValidationData)");
        }
        bool IsHeldOut(int i) => i % HeldOutEvery == HeldOutEvery - 1;
        var indices = Enumerable.Range(0, samples.Count).ToArray();
        return new(
            [.. indices.Where(i => !IsHeldOut(i)).Select(i => samples[i])],
            labels is null ? null : [.. indices.Where(i => !IsHeldOut(i)).Select(i => labels[i])],
            [.. indices.Where(IsHeldOut).Select(i => samples[i])],
            labels is null ? null : [.. indices.Where(IsHeldOut).Select(i => labels[i])],
            $"{samples.Count - samples.Count / HeldOutEvery} samples of {option}, judged on the {samples.Count / HeldOutEvery} held out (every {HeldOutEvery}th)");
    }
}
