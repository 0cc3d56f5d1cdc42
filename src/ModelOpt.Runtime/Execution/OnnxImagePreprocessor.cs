using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Runtime.Execution;

/// <summary>
/// Runs an image sample's <c>Preprocessor</c> model (raw <c>FLOAT[1,3,H,W]</c>, 0–255, in its
/// first input; the model input in its first output) in a session of the job's
/// <see cref="SessionFactory"/>, the one place sessions are made. The model file is read once,
/// on first use, so a job without image samples never opens it.
/// </summary>
public sealed class OnnxImagePreprocessor : IImagePreprocessor
{
    private readonly SessionFactory _sessions;
    private readonly Lazy<byte[]> _model;

    /// <summary>Creates the preprocessor of <paramref name="modelPath"/>.</summary>
    /// <param name="sessions">The job's session factory.</param>
    /// <param name="modelPath">The Preprocessor model.</param>
    public OnnxImagePreprocessor(SessionFactory sessions, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(modelPath);
        _sessions = sessions;
        ModelPath = Path.GetFullPath(modelPath);
        _model = new(Load);
    }

    /// <summary>The Preprocessor model's full path.</summary>
    public string ModelPath { get; }

    /// <inheritdoc/>
    public SampleTensor Run(SampleTensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            var session = _sessions.Validation(_model.Value);
            string inputName = session.InputNames[0];
            string outputName = session.OutputNames[0];
            using var input = OrtTensors.ToOrtValue(image);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, [inputName], [input], [outputName]);
            var output = outputs[0];
            var info = output.GetTensorTypeAndShape();
            var type = (ElementType)(int)info.ElementDataType;
            if (!ElementTypes.HasRawForm(type))
            {
                throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, image.Source,
                    $"Preprocessor '{ModelPath}' outputs {info.ElementDataType}, which is not a numeric tensor; it must output the model's input.");
            }
            return new SampleTensor(null, type, info.Shape, output.GetTensorMutableRawData().ToArray(), image.Source);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.CalibrationDataInvalid, image.Source,
                $"Preprocessor '{ModelPath}' failed on image sample '{image.Source}' ({image.ShapeText}): {e.Message} It must take FLOAT[1,3,H,W] in 0-255 and output the model's input.");
        }
    }

    private byte[] Load()
    {
        try
        {
            return File.ReadAllBytes(ModelPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(DiagnosticCode.FileNotReadable, ModelPath,
                $"Preprocessor '{ModelPath}' cannot be read: {e.Message} Point Preprocessor at an ONNX model that maps a raw image to the model's input.");
        }
    }
}
