using ModelOpt.Core.Folding;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Folding;

/// <summary>The CNTK ResNet18 (opset 8, 22 Conv each followed by a BatchNormalization).</summary>
public sealed class ResNet18BatchNormFoldingTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryBatchNormalizationFoldsAndTheFeaturesStayTheSame()
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        var inputs = ResNetInputs.All.Take(3).ToArray();
        var expected = inputs.Select(i => OrtRunner.Run(model, ResNetInputs.AsInput(i.Data))[0]).ToArray();

        var pass = new BatchNormFoldingPass();
        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(22, result.Report.FoldedCount);
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "BatchNormalization");
        Assert.Equal(22, model.Graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Equal(8, model.GetOpsetVersion(""));
        for (int i = 0; i < inputs.Length; i++)
        {
            var actual = OrtRunner.Run(model, ResNetInputs.AsInput(inputs[i].Data))[0];
            output.WriteLine($"{inputs[i].Name}: largest difference {Numbers.MaxAbsDifference(expected[i], actual):G3} (largest feature {Numbers.MaxAbs(expected[i]):G3})");
            Numbers.AssertClose(expected[i], actual, 1e-4);
        }
    }
}
