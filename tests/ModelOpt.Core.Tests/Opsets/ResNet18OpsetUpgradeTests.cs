using ModelOpt.Core.Opsets;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Opsets;

/// <summary>The real CNTK ResNet18 (opset 8, IR 3) moves to newer opsets and still computes the same.</summary>
public sealed class ResNet18OpsetUpgradeTests
{
    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void UpgradedResNet18GivesTheSameFeatures(long target)
    {
        using var folder = new TempFolder();
        string upgradedPath = folder.File("resnet18.onnx");
        using (var model = OnnxModelReader.Load(TestData.ResNet18Path))
        {
            Assert.Equal(8, model.GetOpsetVersion(""));
            Assert.True(new OpsetUpgradePass(target).Run(model).Modified);
            Assert.Equal(target, model.GetOpsetVersion(""));
            Assert.Equal(target == 11 ? 6 : 7, model.IrVersion);
            // IR 3 listed every initializer as an input too; from IR 4 on that would make them overridable.
            Assert.Equal([ResNetInputs.InputName], model.Graph.Inputs.Select(v => v.Name));
            OnnxModelWriter.Save(model, upgradedPath);
        }

        foreach (var (name, data) in ResNetInputs.All.Take(3))
        {
            var expected = OrtRunner.Run(TestData.ResNet18Path, ResNetInputs.AsInput(data))[0];
            var actual = OrtRunner.Run(upgradedPath, ResNetInputs.AsInput(data))[0];
            Assert.Equal(512, actual.Length);
            Assert.True(Numbers.MaxAbsDifference(expected, actual) <= 1e-4, $"{name}: {Numbers.MaxAbsDifference(expected, actual)}");
        }
    }
}
