using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Calibration;

/// <summary>
/// Runs the float model in ONNX Runtime on every calibration sample, one at a time, with the
/// activations to quantize added as graph outputs, and folds each output into the activation's
/// <see cref="ActivationHistogram"/>. Nothing per sample is kept: a sample's inputs and outputs
/// are released before the next one is read, so memory does not grow with the number of samples.
/// </summary>
/// <remarks>
/// The session comes from the job's <see cref="SessionFactory"/> (its execution target, its
/// count) and is released when the statistics are collected: the copy with the extra outputs is
/// this call's own, so no other use can share it, and it holds as much memory as the model.
/// </remarks>
public sealed class ActivationCalibrator : IActivationObserver
{
    private readonly SessionFactory _sessions;

    private readonly Action<int>? _onSample;

    /// <summary>
    /// A calibrator that loads its models through <paramref name="sessions"/> (the job's factory;
    /// a new <see cref="SessionFactory"/> for a test); <paramref name="onSample"/> hears the count
    /// of samples run so far, after each one (progress for long calibrations).
    /// </summary>
    public ActivationCalibrator(SessionFactory sessions, Action<int>? onSample = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        _sessions = sessions;
        _onSample = onSample;
    }

    /// <summary>
    /// Statistics for every value of <paramref name="activations"/>, in the same order, and the
    /// element type each has when the model runs (statistics are collected for FLOAT ones only).
    /// </summary>
    /// <param name="model">The float model (not modified; an augmented copy is serialized).</param>
    /// <param name="activations">FLOAT values of the main graph to observe.</param>
    /// <param name="data">The samples.</param>
    /// <param name="withHistograms">Whether the method needs histograms (all but MinMax).</param>
    /// <param name="visitor">Hears each FLOAT activation of each sample; null when none.</param>
    public (ActivationHistogram[] Statistics, ElementType[] Types) Collect(OnnxModel model, IReadOnlyList<Value> activations, SampleSet data, bool withHistograms,
        ActivationVisitor? visitor = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(activations);
        ArgumentNullException.ThrowIfNull(data);
        var statistics = activations.Select(_ => new ActivationHistogram(withHistograms)).ToArray();
        var types = new ElementType[activations.Count];
        if (activations.Count == 0) return (statistics, types);

        var inputs = new SampleBinding(model);
        string[] inputNames = [.. inputs.Inputs.Select(v => v.Name)];
        string[] outputNames = [.. activations.Select(v => v.Name)];
        byte[] augmented = ExtraOutputs.Serialize(model, outputNames);
        try
        {
            var session = Load(model, augmented);
            using var runOptions = new RunOptions();
            int samples = 0;
            foreach (var sample in data.Samples())
            {
                var values = OrtTensors.ToOrtValues(inputs.Bind(sample));
                try
                {
                    using var outputs = Run(model, session, runOptions, inputNames, values, outputNames, sample);
                    for (int i = 0; i < outputs.Count; i++)
                    {
                        // ONNX element type numbers and ONNX Runtime's TensorElementType agree.
                        types[i] = (ElementType)(int)outputs[i].GetTensorTypeAndShape().ElementDataType;
                        if (types[i] != ElementType.Float) continue;
                        var tensor = outputs[i].GetTensorDataAsSpan<float>();
                        statistics[i].Add(tensor);
                        long[] dims = outputs[i].GetTensorTypeAndShape().Shape;
                        if (dims.Length >= 1) statistics[i].AddLastAxis(tensor, checked((int)dims[^1]));
                        if (dims.Length >= 2) statistics[i].AddChannels(tensor, checked((int)dims[1]), dims.Skip(2).Aggregate(1L, (a, d) => a * d));
                        visitor?.Invoke(i, tensor, dims);
                    }
                }
                finally
                {
                    foreach (var value in values) value.Dispose();
                }
                samples++;
                _onSample?.Invoke(samples);
            }
            if (samples == 0)
            {
                throw new ModelOptException(DiagnosticCode.CalibrationDataMissing, model.SourcePath,
                    $"the calibration data ({data.Description}) holds no sample.");
            }
            return (statistics, types);
        }
        finally
        {
            _sessions.Release(augmented);
        }
    }

    /// <summary>The model with the activations as extra graph outputs, loaded in ONNX Runtime.</summary>
    private InferenceSession Load(OnnxModel model, byte[] augmented)
    {
        try
        {
            return _sessions.Calibration(augmented);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationRunFailed, model.SourcePath,
                $"ONNX Runtime cannot load the float model for calibration: {e.Message}");
        }
    }

    private static IDisposableReadOnlyCollection<OrtValue> Run(OnnxModel model, InferenceSession session, RunOptions runOptions,
        string[] inputNames, List<OrtValue> values, string[] outputNames, Sample sample)
    {
        try
        {
            return session.Run(runOptions, inputNames, values, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationRunFailed, model.SourcePath,
                $"ONNX Runtime failed to run the float model on calibration sample '{sample.Name}': {e.Message}");
        }
    }
}
