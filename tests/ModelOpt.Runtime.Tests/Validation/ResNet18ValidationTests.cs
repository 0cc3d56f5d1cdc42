using ModelOpt.Core.Data;
using ModelOpt.Core.Folding;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;
using Xunit.Abstractions;

namespace ModelOpt.Runtime.Tests.Validation;

/// <summary>The real CNTK ResNet18 against itself with its BatchNormalizations folded: a change that must not move the features.</summary>
public sealed class ResNet18ValidationTests(ITestOutputHelper output)
{
    [Fact]
    public void FoldingBatchNormPassesTheGateOnRealCrops()
    {
        byte[] original = File.ReadAllBytes(TestData.ResNet18Path);
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        Assert.True(new BatchNormFoldingPass().Run(model).Modified);
        byte[] folded = OnnxModelWriter.ToBytes(model);

        var crops = ResNetInputs.All.Take(3).ToArray();
        var inputs = SampleSet.FromSamples(
            crops.Select(c => new Sample(c.Name, [SampleTensor.FromFloats(ResNetInputs.InputName, ResNetInputs.Shape, c.Data)])).ToList(),
            "3 photo crops");
        using var sessions = new SessionFactory();
        var result = ModelComparison.Compare(sessions, original, folded, inputs, TestData.ResNet18Path);

        var features = Assert.Single(result.Outputs);
        output.WriteLine($"{features.Output}: worst cosine {features.WorstCosine:R} (sample '{features.WorstCosineSampleName}'), mean {features.MeanCosine:R}, max error {features.MaxAbsoluteError:G3}, mean {features.MeanAbsoluteError:G3}, top-1 {features.TopOneAgreement}");
        Assert.Equal(3, result.SampleCount);
        Assert.Equal(3 * 512, features.Elements);
        Assert.True(features.WorstCosine > 0.99999, $"cosine {features.WorstCosine}");
        Assert.InRange(features.MaxAbsoluteError, 0, 1e-3);

        // Independently: ONNX Runtime on both models, metrics computed in the test.
        // The gate's cosine is per sample (one crop each), so the reference is too.
        var a = crops.Select(c => OrtRunner.Run(original, ResNetInputs.AsInput(c.Data))[0]).ToArray();
        var b = crops.Select(c => OrtRunner.Run(folded, ResNetInputs.AsInput(c.Data))[0]).ToArray();
        double[] cosines = [.. a.Zip(b, (p, q) => Numbers.Cosine(p, q))];
        Assert.Equal(cosines.Min(), features.WorstCosine, 12);
        Assert.Equal(cosines.Average(), features.MeanCosine, 12);
        for (int i = 0; i < cosines.Length; i++) Assert.Equal(cosines[i], features.Samples[i].Cosine, 12);
        Assert.Equal(a.Zip(b, (p, q) => Numbers.MaxAbsDifference(p, q)).Max(), features.MaxAbsoluteError, 12);
        Assert.Empty(AccuracyGate.Check(result, new AccuracyThresholds(0.99999, 1e-3, 0)));
    }
}
