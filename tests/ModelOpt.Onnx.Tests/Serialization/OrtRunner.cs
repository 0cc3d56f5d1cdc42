using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>Runs a saved model in ONNX Runtime: the reference for "the saved file still works".</summary>
internal static class OrtRunner
{
    /// <summary>Runs the model at <paramref name="path"/> on one float input and returns every float output by name.</summary>
    public static Dictionary<string, float[]> Run(string path, string inputName, float[] input, long[] shape)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(path, options);
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        var outputNames = session.OutputNames.ToArray();
        using var outputs = session.Run(runOptions, [inputName], [inputValue], outputNames);
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < outputNames.Length; i++) result[outputNames[i]] = outputs[i].GetTensorDataAsSpan<float>().ToArray();
        return result;
    }
}
