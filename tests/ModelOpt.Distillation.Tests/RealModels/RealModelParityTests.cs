using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Distillation.Execution;
using ModelOpt.Distillation.Tests.Execution;
using ModelOpt.Onnx.Serialization;
using TorchSharp;
using Xunit.Abstractions;

namespace ModelOpt.Distillation.Tests.RealModels;

/// <summary>
/// The executor reproduces ONNX Runtime's fp32 outputs of real trained models on real inputs:
/// within 1e-4 of the largest reference magnitude (max |difference| / max |reference|).
/// </summary>
public sealed class RealModelParityTests(ITestOutputHelper log)
{
    private const double RelativeTolerance = 1e-4;

    [Fact]
    public void ResNet18_on_a_photograph()
    {
        var input = ResNetInputs.AsInput(ResNetInputs.All[0].Data);
        var expected = OrtRunner.Run(TestData.ResNet18Path, input);

        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        using var module = OnnxModule.Create(model);
        var actual = ModuleRunner.Run(module, input);

        AssertRelativelyClose(expected[0], actual[0], "ResNet18");
        // Conv weights (and biases) and BatchNormalization scales and shifts train; means and variances are running statistics.
        var weights = model.Graph.Nodes.Where(n => n.OpType == "Conv").SelectMany(n => n.Inputs.Skip(1))
            .Concat(model.Graph.Nodes.Where(n => n.OpType == "BatchNormalization").SelectMany(n => n.Inputs.Skip(1).Take(2)))
            .Select(v => v!.Name).ToHashSet();
        Assert.Equal(weights.Order(), module.TrainableInitializerNames.Order());
        Assert.Equal(44, module.RunningStatisticNames.Count);
    }

    [Fact]
    public void Mlsd_tiny_on_a_photograph()
    {
        const int Side = 320;
        var (_, planar) = PhotoCrops.Load(TestData.ImagesFolder, Side)[0];
        // M-LSD takes NHWC RGB in 0–255 plus a constant alpha channel of 1.
        var nhwc = new float[Side * Side * 4];
        for (int p = 0; p < Side * Side; p++)
        {
            for (int c = 0; c < 3; c++) nhwc[p * 4 + c] = planar[c * Side * Side + p];
            nhwc[p * 4 + 3] = 1f;
        }
        var input = new FloatInput("input_image_with_alpha:0", nhwc, [1, Side, Side, 4]);
        var expected = OrtRunner.RunByName(NpmModels.MlsdTiny, input);

        using var model = OnnxModelReader.Load(NpmModels.MlsdTiny);
        using var module = OnnxModule.Create(model);
        var actual = ModuleRunner.Run(module, input);

        for (int i = 0; i < module.OutputNames.Count; i++) AssertRelativelyClose(expected[module.OutputNames[i]], actual[i], module.OutputNames[i]);
    }

    [Fact]
    public void Arctic_embed_xs_on_a_sentence()
    {
        using var model = OnnxModelReader.Load(ArcticXs.ModelPath);
        var sample = SampleSet.FromFolder(TestData.SentencesFolder, "ValidationData", SamplePurpose.Validation,
            SampleReadContext.For(model, new SampleDataOptions { Vocabulary = ArcticXs.VocabularyPath })).Samples().First();
        var tokens = sample.Tensors.ToDictionary(t => t.Name!, t => (Ids: System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(t.Data.Span).ToArray(), Shape: t.Shape.ToArray()));
        Assert.True(tokens["input_ids"].Shape[1] > 5, "a real sentence");

        float[] expected;
        using (var session = new InferenceSession(ArcticXs.ModelPath))
        {
            var values = tokens.Select(t => OrtValue.CreateTensorValueFromMemory(t.Value.Ids, t.Value.Shape)).ToArray();
            using var outputs = session.Run(new RunOptions(), tokens.Keys.ToArray(), values, ["last_hidden_state"]);
            expected = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            foreach (var value in values) value.Dispose();
        }

        using var module = OnnxModule.Create(model);
        module.eval();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var result = module.forward(tokens.ToDictionary(t => t.Key, t => torch.tensor(t.Value.Ids, t.Value.Shape)));

        AssertRelativelyClose(expected, ModuleRunner.Floats(result["last_hidden_state"]), "last_hidden_state");
        // Every MatMul weight of the encoder is trainable: 6 layers × (Q, K, V, output, two feed-forward).
        Assert.True(module.TrainableInitializerNames.Count >= 36, $"{module.TrainableInitializerNames.Count} trainable initializers");
    }

    private void AssertRelativelyClose(float[] expected, float[] actual, string output)
    {
        Assert.Equal(expected.Length, actual.Length);
        double relative = Numbers.MaxAbsDifference(expected, actual) / Numbers.MaxAbs(expected);
        log.WriteLine($"{output}: max |difference| / max |reference| = {relative:E2}");
        Assert.True(relative <= RelativeTolerance, $"{output}: max |difference| / max |reference| = {relative}");
    }
}
