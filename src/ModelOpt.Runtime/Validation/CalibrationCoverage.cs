using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Core.Data;
using ModelOpt.Core.Distillation;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// Whether the ranges a statically quantized model was calibrated to cover the validation
/// inputs. Every activation that a per-tensor <c>QuantizeLinear</c> reads is exposed in the float
/// model, each validation sample runs through it, and the value furthest outside its range is
/// kept per sample. A sample far outside is one the calibration data did not represent (a face
/// for a face detector calibrated on scenes without one): its activations clip, which costs more
/// than any rounding, and no placement of float nodes fixes what better calibration data would.
/// </summary>
/// <remarks>
/// The float model is the one the QDQ pass quantized (after equalization, whose rescaled values
/// the ranges belong to); the quantized model's value names are its names. Memory: one sample at
/// a time, with its exposed activations.
/// </remarks>
public static class CalibrationCoverage
{
    /// <summary>
    /// An overshoot from which the accuracy gate's message names the calibration data as the
    /// likely cause: a value half the range's width beyond it. Ranges from a few calibration
    /// inputs are exceeded by less on inputs of the same kind (BlazeFace on other scenes: up to
    /// 0.2); faces the calibration scenes lacked reach 0.7 (docs/benchmarks.md).
    /// </summary>
    public const double NotableOvershoot = 0.5;

    /// <summary>Per sample of <paramref name="inputs"/> whose values leave a calibrated range, the furthest one, in sample order.</summary>
    /// <param name="sessions">The job's session factory; the float model with extra outputs is released when the measurement ends.</param>
    /// <param name="source">The float model the quantized one was made from (with its value names).</param>
    /// <param name="quantized">The quantized model.</param>
    /// <param name="inputs">The validation samples.</param>
    /// <param name="modelPath">The model file, for messages.</param>
    /// <param name="maxSamples">Use at most this many samples (the first ones: those the gate compared).</param>
    public static IReadOnlyList<RangeOvershoot> Measure(SessionFactory sessions, OnnxModel source, OnnxModel quantized, SampleSet inputs, string? modelPath,
        int maxSamples = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(quantized);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSamples);

        var ranges = new Dictionary<string, (double Min, double Max)>(StringComparer.Ordinal);
        foreach (var (name, grid) in QuantizationSimulationReader.Read(quantized, source).Activations)
        {
            if (grid.Scales.Length != 1 || !(grid.Scales[0] > 0f) || !float.IsFinite(grid.Scales[0])) continue;
            double scale = grid.Scales[0];
            ranges[name] = ((grid.Min - grid.ZeroPoints[0]) * scale, (grid.Max - grid.ZeroPoints[0]) * scale);
        }
        if (ranges.Count == 0) return [];

        var producers = new Dictionary<string, string>(StringComparer.Ordinal);
        var exposed = new List<string>();
        foreach (var node in source.Graph.Nodes)
        {
            foreach (var value in node.Outputs)
            {
                if (value is not null && ranges.ContainsKey(value.Name) && producers.TryAdd(value.Name, node.Name)) exposed.Add(value.Name);
            }
        }

        var result = new List<RangeOvershoot>();
        byte[] model = ExtraOutputs.Serialize(source, exposed);
        try
        {
            using var session = ValidationSession.Open(sessions, model, modelPath, "original");
            int index = 0;
            foreach (var sample in inputs.Samples().Take(maxSamples))
            {
                RangeOvershoot? furthest = null;
                var bound = session.Bind(sample);
                try
                {
                    // Graph inputs are read as bound; the activations come from the run.
                    for (int i = 0; i < session.InputNames.Length; i++)
                    {
                        Consider(ref furthest, index, sample.Name, session.InputNames[i], "", bound[i], ranges);
                    }
                    using var outputs = session.Run(bound, exposed, sample.Name);
                    int k = 0;
                    foreach (var output in outputs)
                    {
                        Consider(ref furthest, index, sample.Name, exposed[k], producers[exposed[k]], output, ranges);
                        k++;
                    }
                }
                finally
                {
                    foreach (var value in bound) value.Dispose();
                }
                if (furthest is not null) result.Add(furthest);
                index++;
            }
        }
        finally
        {
            sessions.Release(model);
        }
        return result;
    }

    /// <summary>The sentence the gate's message adds when a failing sample left its ranges far behind, or null.</summary>
    /// <param name="coverage">What <see cref="Measure"/> found.</param>
    /// <param name="failingSamples">The indices of the samples the gate failed on.</param>
    /// <param name="calibrated">Whether the ranges came from CalibrationData (otherwise from the model's own statistics).</param>
    public static string? Explain(IReadOnlyList<RangeOvershoot> coverage, IEnumerable<int> failingSamples, bool calibrated)
    {
        ArgumentNullException.ThrowIfNull(coverage);
        ArgumentNullException.ThrowIfNull(failingSamples);
        var failing = failingSamples.ToHashSet();
        var worst = coverage.Where(o => failing.Contains(o.Sample) && o.Overshoot >= NotableOvershoot)
            .OrderByDescending(o => o.Overshoot).ThenBy(o => o.Sample).FirstOrDefault();
        if (worst is null) return null;
        string remedy = calibrated
            ? "the calibration data do not cover inputs like it: add such inputs to CalibrationData"
            : "the ranges were derived without CalibrationData: give CalibrationData with inputs like it";
        return string.Create(CultureInfo.InvariantCulture,
            $"Validation sample {worst.Sample} '{worst.SampleName}' drives '{worst.Value}' to [{Format(worst.SeenMin)}, {Format(worst.SeenMax)}], {Format(worst.Overshoot)} of its calibrated range's width beyond [{Format(worst.RangeMin)}, {Format(worst.RangeMax)}] ({worst.Clipped} of {worst.Elements} values clipped): {remedy}.");
    }

    private static void Consider(ref RangeOvershoot? furthest, int sample, string sampleName, string name, string node, OrtValue value,
        Dictionary<string, (double Min, double Max)> ranges)
    {
        if (!ranges.TryGetValue(name, out var range) || !value.IsTensor
            || value.GetTensorTypeAndShape().ElementDataType != TensorElementType.Float) return;
        double width = range.Max - range.Min;
        if (!(width > 0)) return;
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        long clipped = 0, elements = 0;
        foreach (float v in value.GetTensorDataAsSpan<float>())
        {
            elements++;
            if (!float.IsFinite(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
            if (v < range.Min || v > range.Max) clipped++;
        }
        if (clipped == 0) return;
        double overshoot = Math.Max(max - range.Max, range.Min - min) / width;
        if (furthest is null || overshoot > furthest.Overshoot)
        {
            furthest = new RangeOvershoot(sample, sampleName, name, node, range.Min, range.Max, min, max, clipped, elements, overshoot);
        }
    }

    private static string Format(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
