using ModelOpt.Distillation.Execution;
using ModelOpt.Onnx.Ir;
using TorchSharp;

namespace ModelOpt.Distillation.Tests.Execution;

/// <summary>Runs an <see cref="OnnxModule"/> on the float inputs the ONNX Runtime runner takes, and compares the two.</summary>
internal static class ModuleRunner
{
    /// <summary>The module's graph outputs as floats, in output order, in eval mode.</summary>
    public static float[][] Run(OnnxModule module, params FloatInput[] inputs)
    {
        using var scope = torch.NewDisposeScope();
        module.eval();
        using var noGrad = torch.no_grad();
        var outputs = module.forward(inputs.ToDictionary(i => i.Name, i => torch.tensor(i.Data, i.Shape)));
        return module.OutputNames.Select(name => Floats(outputs[name])).ToArray();
    }

    /// <summary>A tensor's elements as floats (integer and bool outputs converted, as the ONNX Runtime runner does).</summary>
    public static float[] Floats(torch.Tensor tensor)
    {
        using var converted = tensor.detach().cpu().to_type(torch.ScalarType.Float32).contiguous();
        return converted.data<float>().ToArray();
    }

    /// <summary>
    /// Asserts that the module built from <paramref name="model"/> gives ONNX Runtime's outputs
    /// within <paramref name="tolerance"/> relative to the largest reference magnitude (at least 1).
    /// </summary>
    public static void AssertMatchesOnnxRuntime(OnnxModel model, FloatInput[] inputs, double tolerance = 1e-5)
    {
        var expected = OrtRunner.Run(model, inputs);
        using var module = OnnxModule.Create(model);
        var actual = Run(module, inputs);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            double scale = Math.Max(1, Numbers.MaxAbs(expected[i]));
            double difference = Numbers.MaxAbsDifference(expected[i], actual[i]);
            Assert.True(difference <= tolerance * scale, $"output {module.OutputNames[i]}: largest difference {difference} exceeds {tolerance} × {scale}");
        }
    }
}
