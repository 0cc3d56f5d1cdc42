using ModelOpt.Core.Opsets;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Quantization;

/// <summary>The real CNTK ResNet18 quantized dynamically: a quarter of the size, the same features.</summary>
public sealed class ResNet18DynamicQuantizationTests(ITestOutputHelper output)
{
    [Fact]
    public void QuantizedResNet18IsSmallAndAgreesWithTheOriginal()
    {
        using var folder = new TempFolder();
        string path = folder.File("resnet18-int8.onnx");
        var report = Quantize(path, DynamicQuantizationOptions.Default);

        Assert.Equal(22, report.QuantizedCount);
        Assert.Empty(report.FloatNodes);
        Assert.All(report.Nodes, n => Assert.Equal(QuantizationGranularity.PerChannel, n.Granularity));
        Assert.Equal(11, report.Opset);

        double ratio = (double)new FileInfo(path).Length / new FileInfo(TestData.ResNet18Path).Length;
        output.WriteLine($"size ratio {ratio:F4}");
        Assert.True(ratio <= 0.26, $"size ratio {ratio}");

        double worst = 1;
        foreach (var (name, data) in ResNetInputs.All)
        {
            var expected = OrtRunner.Run(TestData.ResNet18Path, ResNetInputs.AsInput(data))[0];
            var actual = OrtRunner.Run(path, ResNetInputs.AsInput(data))[0];
            double cosine = Numbers.Cosine(expected, actual);
            output.WriteLine($"{name}: cosine {cosine:F5}");
            worst = Math.Min(worst, cosine);
        }
        Assert.True(worst >= 0.99, $"worst cosine {worst}");
    }

    [Fact]
    public void QuantizingTwiceGivesIdenticalBytes()
    {
        using var folder = new TempFolder();
        Quantize(folder.File("first.onnx"), DynamicQuantizationOptions.Default);
        Quantize(folder.File("second.onnx"), DynamicQuantizationOptions.Default);

        Assert.Equal(File.ReadAllBytes(folder.File("first.onnx")), File.ReadAllBytes(folder.File("second.onnx")));
    }

    private static QuantizationReport Quantize(string path, DynamicQuantizationOptions options)
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        var pass = new DynamicQuantizationPass(options);
        var result = new PassPipeline(pass).Run(model);
        Assert.True(result.Modified);
        // The CNTK model imports opset 8; the pipeline upgrades it once, before the quantization.
        Assert.Equal(new OpsetUpgradeReport(8, 11), Assert.IsType<PassResult<OpsetUpgradeReport>>(result.Results[0]).Report);
        OnnxModelWriter.Save(model, path);
        return result.ResultOf(pass).Report;
    }
}
