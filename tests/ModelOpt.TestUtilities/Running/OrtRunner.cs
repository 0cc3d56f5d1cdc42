using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.TestUtilities;

/// <summary>A named FLOAT input for <see cref="OrtRunner"/>.</summary>
public sealed record FloatInput(string Name, float[] Data, long[] Shape);

/// <summary>Runs models in ONNX Runtime (CPU): the reference every numeric test compares against.</summary>
public static class OrtRunner
{
    /// <summary>Every FLOAT output of the model, in output order.</summary>
    public static float[][] Run(byte[] model, params FloatInput[] inputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model, options);
        return Run(session, inputs);
    }

    /// <summary>Every FLOAT output of the model file, in output order.</summary>
    public static float[][] Run(string path, params FloatInput[] inputs)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(path, options);
        return Run(session, inputs);
    }

    /// <summary>Every FLOAT output of the model, in output order.</summary>
    public static float[][] Run(OnnxModel model, params FloatInput[] inputs) => Run(OnnxModelWriter.ToBytes(model), inputs);

    /// <summary>Every output of the model file by name, for one float input.</summary>
    public static Dictionary<string, float[]> RunByName(string path, FloatInput input)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(path, options);
        var outputs = Run(session, [input]);
        return session.OutputNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => outputs[p.i], StringComparer.Ordinal);
    }

    /// <summary>The operators (domain.op) left after ONNX Runtime's extended graph optimizations, e.g. fusions.</summary>
    public static string[] OptimizedOpTypes(OnnxModel model)
    {
        using var folder = new TempFolder();
        string path = folder.File("optimized.onnx");
        using (var options = new SessionOptions
        {
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
            OptimizedModelFilePath = path,
        })
        using (new InferenceSession(OnnxModelWriter.ToBytes(model), options))
        {
        }
        using var optimized = OnnxModelReader.Load(path);
        return optimized.Graph.AllNodes().Select(n => n.Domain.Length == 0 ? n.OpType : n.Domain + "." + n.OpType).ToArray();
    }

    /// <summary>An output as floats; integer and bool outputs (TopK indices, masks) are converted for comparison.</summary>
    private static float[] ToFloats(OrtValue value) => value.GetTensorTypeAndShape().ElementDataType switch
    {
        TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
        TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray().Select(v => (float)v).ToArray(),
        TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray().Select(v => (float)v).ToArray(),
        TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray().Select(v => v ? 1f : 0f).ToArray(),
        var other => throw new NotSupportedException($"output type {other}"),
    };

    private static float[][] Run(InferenceSession session, FloatInput[] inputs)
    {
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, i.Shape)).ToList();
        try
        {
            using var runOptions = new RunOptions();
            var names = session.OutputNames.ToArray();
            using var outputs = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, names);
            return outputs.Select(ToFloats).ToArray();
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }
}
