using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Core.Folding;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Static;

/// <summary>
/// The real CNTK ResNet18 (opset 8): BatchNormalization folded, then statically quantized with
/// the defaults (per-channel symmetric int8 weights, uint8 activations, MinMax), calibrated on 24
/// photograph crops and checked on 24 others.
/// </summary>
public sealed class ResNet18StaticQuantizationTests(ITestOutputHelper output)
{
    [Fact]
    public void StaticPerChannelResNet18IsAQuarterOfTheSizeAndAgreesWithTheOriginal()
    {
        using var folder = new TempFolder();
        string path = folder.File("resnet18-qdq.onnx");
        var report = Quantize(path);

        Assert.Equal(13, report.Opset);
        Assert.All(report.Nodes.Where(n => n.OpType == "Conv"), n => Assert.Equal(QuantizationGranularity.PerChannel, n.Granularity));
        Assert.Equal(22, report.Nodes.Count(n => n.OpType == "Conv" && n.Precision == NodePrecision.StaticInt8));
        // The last residual Add, its Relu and the final AveragePool lead only to the graph output
        // (the output tail): they stay float, and the last Convs write float into them.
        Assert.Equal(8, report.Nodes.Count(n => n.OpType == "Add" && n.Precision == NodePrecision.StaticInt8));
        Assert.All(report.Nodes.Where(n => n.OpType == "Relu").SkipLast(1), n => Assert.StartsWith("merged into ", n.Reason, StringComparison.Ordinal));
        Assert.Equal(["Add", "Relu", "AveragePool"], report.FloatNodes.Select(n => n.OpType));
        Assert.All(report.FloatNodes, n => Assert.Contains("after the last layer with weights", n.Reason, StringComparison.Ordinal));

        double ratio = (double)new FileInfo(path).Length / new FileInfo(TestData.ResNet18Path).Length;
        output.WriteLine($"size: {ratio:P2} of the fp32 file");
        Assert.True(ratio <= 0.26, $"size ratio {ratio}");

        using var fp32 = Session(TestData.ResNet18Path);
        using var int8 = Session(path);
        var cosines = new List<double>();
        foreach (var (name, data) in ResNetCrops.Validation)
        {
            double cosine = Numbers.Cosine(Run(fp32, data), Run(int8, data));
            cosines.Add(cosine);
            output.WriteLine($"{name}: cosine {cosine:F5}");
        }
        output.WriteLine($"mean cosine {cosines.Average():F5}, worst {cosines.Min():F5} over {cosines.Count} validation crops");
        Assert.True(cosines.Average() >= 0.995, $"mean cosine {cosines.Average()}");

        // Printed, not asserted: timing belongs to the benchmarks, and this machine is shared.
        output.WriteLine($"ONNX Runtime CPU latency int8/fp32: {LatencyRatio(fp32, int8, ResNetCrops.Validation[0].Data):F3} (median of 15 alternating runs each)");
    }

    private static QuantizationReport Quantize(string path)
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        var calibration = SampleSet.FromSamples(ResNetCrops.Calibration.Select(c =>
            new Sample(c.Name, [SampleTensor.FromFloats(null, ResNetInputs.Shape, c.Data)])));
        var folding = new BatchNormFoldingPass();
        var quantization = new StaticQuantizationPass(StaticQuantizationOptions.Default, calibration, Calibrators.Cpu());
        var result = new PassPipeline(folding, quantization).Run(model);
        Assert.True(result.Modified);
        Assert.Equal(22, result.ResultOf(folding).Report.FoldedCount);
        // One upgrade from the CNTK model's opset 8, after folding and before the quantization that needs it.
        Assert.Equal(["BatchNormFolding", "OpsetUpgrade", "StaticQuantization"], result.Results.Select(r => r.Pass.Name));
        OnnxModelWriter.Save(model, path);
        return result.ResultOf(quantization).Report;
    }

    private static InferenceSession Session(string path)
        => new(path, new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR });

    private static float[] Run(InferenceSession session, float[] data)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(data, ResNetInputs.Shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [ResNetInputs.InputName], [input], session.OutputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Median time of int8 over median time of fp32, runs alternating so both see the same machine load.</summary>
    private static double LatencyRatio(InferenceSession fp32, InferenceSession int8, float[] data)
    {
        for (int i = 0; i < 3; i++)
        {
            Run(fp32, data);
            Run(int8, data);
        }
        var floatTimes = new List<double>();
        var intTimes = new List<double>();
        for (int i = 0; i < 15; i++)
        {
            var watch = Stopwatch.StartNew();
            Run(fp32, data);
            floatTimes.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
            Run(int8, data);
            intTimes.Add(watch.Elapsed.TotalMilliseconds);
        }
        return Median(intTimes) / Median(floatTimes);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
