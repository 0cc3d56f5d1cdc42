using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Float16;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>What the float16 tests look at in a converted model, and a runner for FLOAT16 inputs.</summary>
internal static class Float16Graphs
{
    public static Node[] Casts(OnnxModel model) => model.Graph.AllNodes().Where(n => n.OpType == "Cast").ToArray();

    public static ElementType CastTarget(Node cast) => (ElementType)cast.GetAttribute("to")!.Int;

    public static Node Node(OnnxModel model, string name) => model.Graph.AllNodes().Single(n => n.Name == name);

    /// <summary>
    /// Asserts the cast rules: no Cast between equal types, no widening Cast (FLOAT16 → FLOAT)
    /// whose result is only narrowed again, and every input of a FLOAT16 region typed FLOAT16.
    /// </summary>
    public static void AssertCleanCasts(OnnxModel model)
    {
        var types = ElementTypeInference.Infer(model);
        foreach (var cast in Casts(model))
        {
            var source = types[cast.Inputs[0]!];
            var target = CastTarget(cast);
            Assert.True(source != target, $"{cast} casts {source} to {target}");
            if (source == ElementType.Float16 && target == ElementType.Float)
            {
                Assert.DoesNotContain(cast.Outputs[0]!.Uses, u => u.Node.OpType == "Cast" && CastTarget(u.Node) == ElementType.Float16);
            }
        }
    }

    /// <summary>Runs <paramref name="model"/> with one FLOAT16 input; outputs come back as floats.</summary>
    public static float[][] RunHalf(OnnxModel model, string inputName, float[] data, long[] shape)
        => Run(model, (inputName, OrtValue.CreateTensorValueFromMemory(data.Select(v => (Microsoft.ML.OnnxRuntime.Float16)v).ToArray(), shape)));

    /// <summary>
    /// Runs <paramref name="model"/> in ONNX Runtime with named inputs of any type (disposed here);
    /// FLOAT and FLOAT16 outputs come back as floats.
    /// </summary>
    public static float[][] Run(OnnxModel model, params (string Name, OrtValue Value)[] inputs)
    {
        try
        {
            using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            using var session = new InferenceSession(OnnxModelWriter.ToBytes(model), options);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), inputs.Select(i => i.Value).ToArray(), session.OutputNames);
            return outputs.Select(o => o.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float16
                ? o.GetTensorDataAsSpan<Microsoft.ML.OnnxRuntime.Float16>().ToArray().Select(h => (float)h).ToArray()
                : o.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        }
        finally
        {
            foreach (var input in inputs) input.Value.Dispose();
        }
    }

    /// <summary>The values of a FLOAT16 tensor.</summary>
    public static float[] Halves(Tensor tensor)
    {
        Assert.Equal(ElementType.Float16, tensor.ElementType);
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(tensor.GetRawData().Span).ToArray().Select(h => (float)h).ToArray();
    }
}
