using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Core.Folding;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Calibration;
using ModelOpt.Runtime.Execution;
using ModelOpt.TestUtilities;

namespace ModelOpt.Benchmarks;

/// <summary>
/// Quantization: how fast the quantized models run in ONNX Runtime (CPU) against their fp32
/// originals, and how long quantizing takes against loading and running the model once.
/// Every model of a comparison runs in the same loop, one after the other, so load from the
/// rest of the machine slows all of them alike; medians are compared.
/// </summary>
internal static class QuantizationBenchmark
{
    public static IEnumerable<BenchmarkResult> Run(string resNet18, string scratch, int runs, int warmUpRuns, TextWriter log)
    {
        var results = new List<BenchmarkResult>();

        // ResNet18: fp32 against Dynamic and Static (QDQ). Static calibrates on 16 pseudo-random
        // images: enough for latency, which does not depend on the calibrated ranges.
        byte[] resNetFp32 = File.ReadAllBytes(resNet18);
        byte[] resNetDynamic = Quantize(resNet18, new DynamicQuantizationPass(new DynamicQuantizationOptions { PerChannel = true }));
        byte[] resNetStatic = Quantize(resNet18, new StaticQuantizationPass(new StaticQuantizationOptions { PerChannel = true }, RandomImages(16), Calibrator()));
        var image = new FloatInput("Input247", BenchmarkImages.Create(99), [1, 3, 224, 224]);
        var resNetTimes = OrtLatencyComparison.MedianMilliseconds([resNetFp32, resNetDynamic, resNetStatic], image, Math.Max(runs, 20), log, "ResNet18 fp32 / Dynamic / Static");
        results.Add(BenchmarkResult.AtMost("ResNet18 Static (QDQ int8) ORT CPU latency", Ms(resNetTimes[2]), Ms(resNetTimes[0]) + " (fp32)", resNetTimes[2] / resNetTimes[0], 0.75));
        results.Add(BenchmarkResult.Info("ResNet18 Dynamic int8 ORT CPU latency", Ms(resNetTimes[1]), Ms(resNetTimes[0]) + " (fp32)", resNetTimes[1] / resNetTimes[0]));

        // The transformer encoder of the issue (4 layers, hidden 512, feed-forward 2048, sequence 128).
        var builder = new TransformerEncoderBuilder { BatchSize = 1 };
        byte[] encoderFp32;
        using (var model = builder.Build()) encoderFp32 = OnnxModelWriter.ToBytes(model);
        byte[] encoderDynamic = Quantize(builder, new DynamicQuantizationPass(new DynamicQuantizationOptions { PerChannel = true }));
        byte[] encoderInt4 = Quantize(builder, new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { BlockSize = 32 }));
        var hidden = new FloatInput(builder.InputName, builder.CreateHiddenStates(1, 7), builder.InputShape(1));
        var encoderTimes = OrtLatencyComparison.MedianMilliseconds([encoderFp32, encoderDynamic, encoderInt4], hidden, Math.Max(runs, 20), log, "encoder fp32 / Dynamic / Int4");
        results.Add(BenchmarkResult.AtMost("encoder Dynamic int8 ORT CPU latency", Ms(encoderTimes[1]), Ms(encoderTimes[0]) + " (fp32)", encoderTimes[1] / encoderTimes[0], 0.7));
        results.Add(BenchmarkResult.Info("encoder Int4 (block 32) ORT CPU latency", Ms(encoderTimes[2]), Ms(encoderTimes[0]) + " (fp32)", encoderTimes[2] / encoderTimes[0]));

        // Tool speed: quantizing ResNet18 (load, fold, quantize, write) against what a user pays
        // to use the model at all (create an ONNX Runtime session, run one inference).
        string output = Path.Combine(scratch, "resnet18.dynamic.onnx");
        var quantizeTimes = new List<double>();
        var sessionTimes = new List<double>();
        for (int i = 0; i < warmUpRuns + Math.Max(5, runs / 3); i++)
        {
            double quantize = Time(() => File.WriteAllBytes(output, Quantize(resNet18, new DynamicQuantizationPass(new DynamicQuantizationOptions { PerChannel = true }))));
            double session = Time(() => RunOnce(resNetFp32, image));
            if (i < warmUpRuns) continue;
            quantizeTimes.Add(quantize);
            sessionTimes.Add(session);
        }
        log.WriteLine("  quantize ResNet18 (Dynamic) ms:      " + string.Join(" ", quantizeTimes.Select(Ms)));
        log.WriteLine("  ORT session + one inference ms:      " + string.Join(" ", sessionTimes.Select(Ms)));
        double quantizeMedian = Statistics.Median(quantizeTimes), sessionMedian = Statistics.Median(sessionTimes);
        results.Add(BenchmarkResult.AtMost("quantizing ResNet18 (Dynamic)", Ms(quantizeMedian), Ms(sessionMedian) + " (ORT session + 1 inference)", quantizeMedian / sessionMedian, 3));

        // Calibration memory must not grow with the number of samples (streamed statistics,
        // fixed-size histograms): peak resident size of a child calibrating on 200 images
        // against one calibrating on 10.
        if (ProcessMemory.IsAvailable)
        {
            var ten = ChildProcess.Run(MeasureCommands.Calibration, resNet18, "10");
            log.WriteLine("  calibration on 10 images, child: " + ten.Describe());
            var twoHundred = ChildProcess.Run(MeasureCommands.Calibration, resNet18, "200");
            log.WriteLine("  calibration on 200 images, child: " + twoHundred.Describe());
            results.Add(BenchmarkResult.AtMost("Static calibration peak memory, 200 samples",
                Units.MiB(twoHundred.AddedBytes), Units.MiB(ten.AddedBytes) + " (10 samples)",
                (double)twoHundred.AddedBytes / Math.Max(1, ten.AddedBytes), 1.2));
        }
        return results;
    }

    /// <summary>Folds and statically quantizes ResNet18, calibrating on <paramref name="samples"/> pseudo-images made one at a time.</summary>
    public static void CalibrateResNet18(string resNet18, int samples)
        => Quantize(resNet18, new StaticQuantizationPass(new StaticQuantizationOptions { PerChannel = true }, RandomImages(samples), Calibrator()));

    private static byte[] Quantize(string path, IModelPass quantization)
    {
        using var model = OnnxModelReader.Load(path);
        new PassPipeline(new BatchNormFoldingPass(), quantization).Run(model);
        return OnnxModelWriter.ToBytes(model);
    }

    private static byte[] Quantize(TransformerEncoderBuilder builder, IModelPass quantization)
    {
        using var model = builder.Build();
        new PassPipeline(quantization).Run(model);
        return OnnxModelWriter.ToBytes(model);
    }

    /// <summary>A calibrator on its own CPU factory; it releases its session after each calibration, so the factory needs no disposal.</summary>
    private static ActivationCalibrator Calibrator() => new(new SessionFactory());

    private static SampleSet RandomImages(int count)
        => SampleSet.FromSamples(Enumerable.Range(0, count).Select(i => new Sample($"random {i}",
            [new SampleTensor("Input247", ElementType.Float, [1, 3, 224, 224], MemoryMarshal.AsBytes(BenchmarkImages.Create(i).AsSpan()).ToArray(), $"random image {i}")])));

    private static void RunOnce(byte[] model, FloatInput input)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input.Name], [value], session.OutputNames);
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    internal static string Ms(double milliseconds) => milliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
