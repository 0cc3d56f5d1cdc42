using Microsoft.ML.OnnxRuntime;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Runtime.Execution;

/// <summary>
/// Loads a produced model in ONNX Runtime before anything else looks at it: a model the
/// runtime rejects (type errors, unsupported ops) is our transformation's fault, and gets its
/// own code (MOPT0120) rather than a validation error. Running it is the accuracy gate's job
/// (the engine's accuracy check), on the same inputs as the original.
/// </summary>
public static class OrtModelCheck
{
    /// <summary>Creates (and drops) an ONNX Runtime session for <paramref name="modelBytes"/>.</summary>
    public static void Run(byte[] modelBytes, string modelPath)
    {
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            using var session = new InferenceSession(modelBytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.OptimizedModelRejected, modelPath,
                $"the optimized model does not load in ONNX Runtime: {e.Message}. Exclude the failing node (ExcludeNodes/ExcludeOpTypes) or report the model.", e);
        }
    }
}
