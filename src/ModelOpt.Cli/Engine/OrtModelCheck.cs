using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cli.Engine;

/// <summary>
/// Loads a produced model in ONNX Runtime and runs it once on deterministic inputs before it
/// is written: a model the runtime rejects (type errors, unsupported ops) never becomes an output.
/// </summary>
internal static class OrtModelCheck
{
    /// <summary>Runs <paramref name="modelBytes"/>; returns the output names and shapes.</summary>
    public static IReadOnlyList<string> Run(byte[] modelBytes, string modelPath, IReadOnlyDictionary<string, long[]> inputShapes)
    {
        try
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            using var session = new InferenceSession(modelBytes, options);
            var inputs = new List<OrtValue>();
            try
            {
                foreach (var (name, meta) in session.InputMetadata)
                {
                    inputs.Add(GeneratedInput(name, meta, inputShapes, modelPath));
                }
                using var runOptions = new RunOptions();
                using var results = session.Run(runOptions, session.InputMetadata.Keys.ToArray(), inputs, session.OutputMetadata.Keys.ToArray());
                return results.Select((r, i) => $"{session.OutputMetadata.Keys.ElementAt(i)}[{string.Join(",", r.GetTensorTypeAndShape().Shape)}]").ToArray();
            }
            finally
            {
                foreach (var input in inputs) input.Dispose();
            }
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelOptException(DiagnosticCode.OptimizedModelRejected, modelPath,
                $"the optimized model does not run in ONNX Runtime: {e.Message}. Exclude the failing node (ExcludeNodes/ExcludeOpTypes) or report the model.", e);
        }
    }

    // Fixed-seed values in [-1, 1): the same inputs on every run and machine.
    private static OrtValue GeneratedInput(string name, NodeMetadata meta, IReadOnlyDictionary<string, long[]> inputShapes, string modelPath)
    {
        long[] shape = inputShapes.TryGetValue(name, out var fixedShape)
            ? fixedShape
            : meta.Dimensions.Select(d => d > 0 ? (long)d : 1L).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (!meta.IsTensor || count > 1L << 28)
        {
            throw new ModelOptException(DiagnosticCode.OptimizedModelRejected, modelPath, $"input '{name}' cannot be generated for validation; give its shape with InputShapes (e.g. {name}=1,3,224,224).");
        }
        var random = new Random(1234);
        switch (meta.ElementDataType)
        {
            case TensorElementType.Float:
                var floats = new float[count];
                for (int i = 0; i < floats.Length; i++) floats[i] = (float)(random.NextDouble() * 2 - 1);
                return OrtValue.CreateTensorValueFromMemory(floats, shape);
            case TensorElementType.Int64:
                var longs = new long[count];
                return OrtValue.CreateTensorValueFromMemory(longs, shape);
            case TensorElementType.Int32:
                return OrtValue.CreateTensorValueFromMemory(new int[count], shape);
            case TensorElementType.Bool:
                return OrtValue.CreateTensorValueFromMemory(new bool[count], shape);
            default:
                throw new ModelOptException(DiagnosticCode.OptimizedModelRejected, modelPath, $"input '{name}' has element type {meta.ElementDataType}, which validation cannot generate yet; use ValidationData.");
        }
    }
}
