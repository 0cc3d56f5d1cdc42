using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Core.Data;
using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Runtime.Calibration;

/// <summary>
/// Runs the float model in ONNX Runtime (CPU) on every calibration sample, one at a time, with
/// the activations to quantize added as graph outputs, and folds each output into the
/// activation's <see cref="ActivationHistogram"/>. Nothing per sample is kept: a sample's inputs
/// and outputs are released before the next one is read, so memory does not grow with the
/// number of samples.
/// </summary>
public sealed class ActivationCalibrator : IActivationObserver
{
    /// <summary>The calibrator; it holds no state.</summary>
    public static ActivationCalibrator Instance { get; } = new();

    /// <summary>
    /// Statistics for every value of <paramref name="activations"/>, in the same order, and the
    /// element type each has when the model runs (statistics are collected for FLOAT ones only).
    /// </summary>
    /// <param name="model">The float model (not modified; an augmented copy is serialized).</param>
    /// <param name="activations">FLOAT values of the main graph to observe.</param>
    /// <param name="data">The samples.</param>
    /// <param name="withHistograms">Whether the method needs histograms (all but MinMax).</param>
    public (ActivationHistogram[] Statistics, ElementType[] Types) Collect(OnnxModel model, IReadOnlyList<Value> activations, CalibrationDataSet data, bool withHistograms)
    {
        var statistics = activations.Select(_ => new ActivationHistogram(withHistograms)).ToArray();
        var types = new ElementType[activations.Count];
        if (activations.Count == 0) return (statistics, types);

        var inputs = new CalibrationInputs(model);
        string[] inputNames = [.. inputs.Inputs.Select(v => v.Name)];
        string[] outputNames = [.. activations.Select(v => v.Name)];
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = CreateSession(model, activations, options);
        using var runOptions = new RunOptions();

        int samples = 0;
        foreach (var sample in data.Samples())
        {
            var tensors = inputs.Bind(sample);
            var values = new List<OrtValue>(tensors.Length);
            try
            {
                foreach (var tensor in tensors) values.Add(ToOrtValue(tensor));
                using var outputs = Run(model, session, runOptions, inputNames, values, outputNames, sample);
                for (int i = 0; i < outputs.Count; i++)
                {
                    // ONNX element type numbers and ONNX Runtime's TensorElementType agree.
                    types[i] = (ElementType)(int)outputs[i].GetTensorTypeAndShape().ElementDataType;
                    if (types[i] == ElementType.Float) statistics[i].Add(outputs[i].GetTensorDataAsSpan<float>());
                }
            }
            finally
            {
                foreach (var value in values) value.Dispose();
            }
            samples++;
        }
        if (samples == 0)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataMissing, model.SourcePath,
                $"the calibration data ({data.Description}) holds no sample.");
        }
        return (statistics, types);
    }

    /// <summary>The model with the activations as extra graph outputs, loaded in ONNX Runtime.</summary>
    private static InferenceSession CreateSession(OnnxModel model, IReadOnlyList<Value> activations, SessionOptions options)
    {
        // The outputs go into the serialized copy only: the model itself is not touched.
        var proto = OnnxModelWriter.ToProto(model);
        var existing = new HashSet<string>(proto.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var value in activations)
        {
            if (!existing.Add(value.Name)) continue;
            proto.Graph.Output.Add(new ValueInfoProto { Name = value.Name });
        }
        try
        {
            return new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(proto), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationRunFailed, model.SourcePath,
                $"ONNX Runtime cannot load the float model for calibration: {e.Message}");
        }
    }

    private static IDisposableReadOnlyCollection<OrtValue> Run(OnnxModel model, InferenceSession session, RunOptions runOptions,
        string[] inputNames, List<OrtValue> values, string[] outputNames, CalibrationSample sample)
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

    /// <summary>An ONNX Runtime tensor holding a copy of the data (ONNX element type numbers and ONNX Runtime's agree). Validation binds its samples with it too.</summary>
    internal static OrtValue ToOrtValue(CalibrationTensor tensor)
    {
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)tensor.ElementType, [.. tensor.Shape]);
        tensor.Data.Span.CopyTo(value.GetTensorMutableRawData());
        return value;
    }
}
