using Microsoft.ML.OnnxRuntime;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>
/// A real pretrained model (ResNet18 from NuGet, CNTK export, opset 8, 62 MB of weights):
/// the round trip must change nothing, neither the message nor a single output bit.
/// </summary>
public sealed class ResNet18RoundTripTests
{
    [Fact]
    public void RoundTripKeepsTheModelAndItsOutputsBitForBit()
    {
        using var temp = new TempFolder();
        string savedPath = temp.File("resnet18.onnx");
        using (var model = OnnxModelReader.Load(TestData.ResNet18Path))
        {
            OnnxModelWriter.Save(model, savedPath);
        }

        var original = OnnxModelReader.ParseFile(TestData.ResNet18Path);
        var saved = OnnxModelReader.ParseFile(savedPath);
        Assert.Null(ProtoDiff.FirstDifference(original, saved));
        Assert.Equal(original, saved);

        using var options = OrtModelRunner.CreateSessionOptions();
        var (originalShape, originalOutput) = Run(TestData.ResNet18Path, options);
        var (savedShape, savedOutput) = Run(savedPath, options);
        Assert.Equal(originalShape, savedShape);
        Assert.Equal(originalOutput, savedOutput);
        Assert.Contains(originalOutput, b => b != 0);
    }

    /// <summary>The first output's shape and raw bytes for a fixed pseudo-random input.</summary>
    private static (long[] Shape, byte[] Bytes) Run(string modelPath, SessionOptions options)
    {
        using var session = new InferenceSession(modelPath, options);
        string inputName = session.InputNames.Single();
        var metadata = session.InputMetadata[inputName];
        Assert.Equal(typeof(float), metadata.ElementType);

        // Free dimensions (the batch) become 1; a fixed seed makes the input the same on every run.
        long[] shape = [.. metadata.Dimensions.Select(d => d < 0 ? 1L : d)];
        var random = new Random(20240601);
        var values = new float[Tensor.CountElements(shape)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        var input = Tensor.FromFloats(inputName, shape, values);

        using var inputValue = OrtTensorConverter.ToOrtValue(input.Proto);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [inputValue], [session.OutputNames[0]]);
        var result = results.First();
        var info = result.GetTensorTypeAndShape();
        return (info.Shape, result.GetTensorMutableRawData().ToArray());
    }
}
