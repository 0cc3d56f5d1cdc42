using System.Globalization;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>The real CNTK ResNet18 (opset 8) in float16: half the size, the same features.</summary>
public sealed class ResNet18Float16Tests(ITestOutputHelper output)
{
    [Fact]
    public void Float16ResNet18IsHalfTheSizeAndAgreesWithTheOriginal()
    {
        using var folder = new TempFolder();
        string path = folder.File("resnet18-fp16.onnx");
        var result = Convert(path);

        output.WriteLine($"{result.Report.Summary}");
        foreach (var node in result.Report.Nodes.Where(n => n.Reason is not null)) output.WriteLine($"{node.NodeName}: {node.Reason}");
        // The first BatchNormalization holds two variances above 65504; it stays FLOAT between two casts.
        var kept = Assert.Single(result.Report.FloatNodes);
        Assert.Equal(("BatchNormalization251", "its constant input 'Constant99' holds 2 value(s) beyond ±65504, float16's largest finite value"), (kept.NodeName, kept.Reason));
        Assert.Equal(result.Report.Nodes.Count - 1, result.Report.QuantizedCount);
        Assert.Equal(4, result.Report.Summary.InsertedCasts);
        Assert.Equal(0, result.Report.Summary.Rounding.Clamped);
        using (var converted = OnnxModelReader.Load(path))
        {
            Assert.Equal(ElementType.Float, converted.Graph.Inputs.Single(v => v.Initializer is null).ElementType);
            // Only the kept BatchNormalization's scale, bias, mean and variance stay FLOAT.
            var full = converted.Graph.Initializers.Where(v => v.Initializer!.ElementType == ElementType.Float).Select(v => v.Name);
            Assert.Equal(["Constant98", "Constant99", "Parameter96", "Parameter97"], full.Order(StringComparer.Ordinal));
        }

        double ratio = (double)new FileInfo(path).Length / new FileInfo(TestData.ResNet18Path).Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"size ratio {ratio:F4}"));
        Assert.True(ratio <= 0.51, $"size ratio {ratio}");

        var photographs = new List<double>();
        foreach (var (name, data) in ResNetInputs.All)
        {
            var expected = OrtRunner.Run(TestData.ResNet18Path, ResNetInputs.AsInput(data))[0];
            var actual = OrtRunner.Run(path, ResNetInputs.AsInput(data))[0];
            Assert.Equal(512, actual.Length);
            double cosine = Numbers.Cosine(expected, actual);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: cosine {cosine:F7}"));
            if (name != "synthetic") photographs.Add(cosine);
        }
        double mean = photographs.Average();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mean cosine over {photographs.Count} photographs {mean:F7}, worst {photographs.Min():F7}"));
        Assert.True(photographs.Count >= 8, $"{photographs.Count} photographs");
        Assert.True(mean >= 0.9999, $"mean cosine {mean}");
    }

    [Fact]
    public void ConvertingTwiceGivesIdenticalBytes()
    {
        using var folder = new TempFolder();
        Convert(folder.File("first.onnx"));
        Convert(folder.File("second.onnx"));

        Assert.Equal(File.ReadAllBytes(folder.File("first.onnx")), File.ReadAllBytes(folder.File("second.onnx")));
    }

    private static PassResult<Float16ConversionReport> Convert(string path)
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        var pass = new Float16ConversionPass();
        var result = pass.Run(model);
        Assert.True(result.Modified);
        OnnxModelWriter.Save(model, path);
        return result;
    }
}
