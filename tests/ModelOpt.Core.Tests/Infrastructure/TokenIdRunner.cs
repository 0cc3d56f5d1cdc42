using Microsoft.ML.OnnxRuntime;

namespace ModelOpt.Core.Tests.Infrastructure;

/// <summary>Runs a model whose one input is INT64 token ids (an embedding lookup) in ONNX Runtime (CPU).</summary>
internal static class TokenIdRunner
{
    /// <summary>The first output as floats.</summary>
    public static float[] Run(byte[] model, string inputName, long[] ids, long[] shape)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model, options);
        using var input = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [inputName], [input], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
