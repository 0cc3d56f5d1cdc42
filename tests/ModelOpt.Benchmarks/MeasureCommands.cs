using ModelOpt.Onnx.Analysis;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Benchmarks;

/// <summary>
/// The hidden sub-commands a measuring child runs. Each warms up on a tiny model, settles the
/// GC, takes the resident size as baseline, does the measured work, and reports the peak.
/// </summary>
internal static class MeasureCommands
{
    /// <summary><c>measure-peak &lt;model&gt; &lt;out&gt;</c>: load, then save with the default options.</summary>
    public const string Peak = "measure-peak";

    /// <summary><c>measure-large &lt;model&gt; &lt;out&gt;</c>: load, summarize, save with external data.</summary>
    public const string Large = "measure-large";

    /// <summary><c>measure-calibration &lt;resnet18&gt; &lt;samples&gt;</c>: static quantization calibrated on that many images.</summary>
    public const string Calibration = "measure-calibration";

    /// <summary><c>measure-optimize &lt;model&gt; &lt;out&gt; &lt;quantize&gt;</c>: one optimize job, gate off, timed.</summary>
    public const string Optimize = "measure-optimize";

    /// <summary><c>write-chain Relu|MatMulAdd &lt;nodes&gt; &lt;out.onnx&gt;</c>: writes a chain model, to profile <c>modelopt optimize</c> on it.</summary>
    public const string WriteChain = "write-chain";

    public static int Run(string command, IReadOnlyList<string> args, TextWriter output)
    {
        if (command == WriteChain)
        {
            if (args.Count != 3 || !Enum.TryParse<TestUtilities.ChainShape>(args[0], out var shape) || !int.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out int nodes))
            {
                throw new ArgumentException($"usage: {WriteChain} Relu|MatMulAdd <nodes> <output.onnx>");
            }
            using var chain = TestUtilities.ChainModels.Build(shape, nodes);
            OnnxModelWriter.Save(chain, args[2]);
            return 0;
        }
        if (command == Calibration) return RunCalibration(args, output);
        if (command == Optimize)
        {
            if (args.Count != 3) throw new ArgumentException($"usage: {Optimize} <model.onnx> <output.onnx> <quantize>");
            ChildProcess.Report(ScalingBenchmark.MeasureOptimize(args[0], args[1], args[2]), output);
            return 0;
        }

        if (args.Count != 2) throw new ArgumentException($"usage: {command} <model.onnx> <output.onnx>");
        string model = args[0];
        string destination = args[1];
        string scratch = Path.GetDirectoryName(Path.GetFullPath(destination))!;

        WarmUpModel.Run(scratch);
        ProcessMemory.Settle();
        bool reset = ProcessMemory.TryResetPeak();
        long baseline = ProcessMemory.CurrentResidentBytes();

        long summaryExternalBytes = command == Large
            ? LoadInspectSaveExternal(model, destination)
            : LoadSave(model, destination);

        long peak = ProcessMemory.PeakResidentBytes();
        ChildProcess.Report(new PeakMeasurement(baseline, peak, reset, summaryExternalBytes), output);
        return 0;
    }

    private static long LoadSave(string source, string destination)
    {
        using var model = OnnxModelReader.Load(source);
        OnnxModelWriter.Save(model, destination);
        return 0;
    }

    private static long LoadInspectSaveExternal(string source, string destination)
    {
        using var model = OnnxModelReader.Load(source);
        var summary = ModelSummary.Create(model);
        OnnxModelWriter.Save(model, destination, new ModelSaveOptions { ExternalData = ExternalDataMode.Always });
        return summary.ExternalDataFiles.Sum(f => f.Bytes);
    }

    // Warm-up calibrates on 2 images so that ONNX Runtime, the calibrator and the histograms
    // are loaded before the baseline; the measured run then only adds what grows with samples.
    private static int RunCalibration(IReadOnlyList<string> args, TextWriter output)
    {
        if (args.Count != 2 || !int.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out int samples))
        {
            throw new ArgumentException($"usage: {Calibration} <resnet18.onnx> <samples>");
        }
        QuantizationBenchmark.CalibrateResNet18(args[0], 2);
        ProcessMemory.Settle();
        bool reset = ProcessMemory.TryResetPeak();
        long baseline = ProcessMemory.CurrentResidentBytes();
        QuantizationBenchmark.CalibrateResNet18(args[0], samples);
        long peak = ProcessMemory.PeakResidentBytes();
        ChildProcess.Report(new PeakMeasurement(baseline, peak, reset, 0), output);
        return 0;
    }
}
