namespace ModelOpt.Core.Data;

/// <summary>
/// Runs the <c>Preprocessor</c> model on a raw image. Running a model needs ONNX Runtime, which
/// this assembly does not reference; ModelOpt.Runtime implements it with the job's sessions.
/// </summary>
public interface IImagePreprocessor
{
    /// <summary>The model input for <paramref name="image"/> (<c>FLOAT[1,3,H,W]</c>, 0–255); failures are ModelOptExceptions naming <paramref name="image"/>'s source.</summary>
    SampleTensor Run(SampleTensor image);
}
