using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>Runs model bytes in ONNX Runtime on a fixed input, to compare a built model with its original.</summary>
internal static class OrtModel
{
    /// <summary>
    /// The first output of <paramref name="model"/>, flattened, for fixed-seed inputs of the
    /// declared shapes (open dimensions as 1), uniform in [-<paramref name="inputScale"/>, <paramref name="inputScale"/>).
    /// </summary>
    public static float[] Run(byte[] model, float inputScale = 1)
    {
        // One thread: the test machines have 2 cores, and results stay independent of the core count.
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        using var session = new InferenceSession(model, options);
        var inputs = new List<OrtValue>();
        try
        {
            foreach (var (name, meta) in session.InputMetadata)
            {
                Assert.Equal(TensorElementType.Float, meta.ElementDataType);
                long[] shape = meta.Dimensions.Select(d => d > 0 ? (long)d : 1L).ToArray();
                var random = new Random(20240611);
                var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
                for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * inputScale;
                inputs.Add(OrtValue.CreateTensorValueFromMemory(values, shape));
            }
            using var runOptions = new RunOptions();
            string firstOutput = session.OutputMetadata.Keys.First();
            using var results = session.Run(runOptions, session.InputMetadata.Keys.ToArray(), inputs, [firstOutput]);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }
    }

    /// <summary>Asserts that int8 weights made the model much smaller than its float original.</summary>
    public static void AssertShrunk(byte[] original, byte[] built)
    {
        Assert.True(built.Length < original.Length * 0.5, $"quantization should shrink {original.Length} bytes of float weights to about a quarter, got {built.Length}.");
    }

    /// <summary>
    /// Asserts that <paramref name="built"/> answers like <paramref name="original"/> within int8
    /// error: the output points the same way (cosine similarity), as the contract's accuracy gate
    /// measures it, on inputs in [-<paramref name="inputScale"/>, <paramref name="inputScale"/>):
    /// a statically quantized model is calibrated for its inputs' real range.
    /// </summary>
    public static void AssertAgrees(byte[] original, byte[] built, float inputScale = 1)
    {
        double similarity = Numbers.Cosine(Run(original, inputScale), Run(built, inputScale));
        Assert.True(similarity > 0.99, $"cosine similarity {similarity} between the original and the built model");
    }
}
