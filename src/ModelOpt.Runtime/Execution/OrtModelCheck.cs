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
    /// <summary>Loads (and drops) <paramref name="modelBytes"/> through <see cref="SessionFactory.CheckLoads"/>.</summary>
    /// <param name="sessions">The job's session factory.</param>
    /// <param name="modelBytes">The produced model, serialized.</param>
    /// <param name="modelPath">The model file, for messages.</param>
    public static void Run(SessionFactory sessions, byte[] modelBytes, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        try
        {
            sessions.CheckLoads(modelBytes);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.OptimizedModelRejected, modelPath,
                $"the optimized model does not load in ONNX Runtime: {e.Message}. Exclude the failing node (ExcludeNodes/ExcludeOpTypes) or report the model.", e);
        }
    }
}
