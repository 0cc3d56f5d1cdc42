using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelOpt.Core.Data;
using ModelOpt.Core.Distillation;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// Whether the ranges a statically quantized model was calibrated to cover the validation inputs,
/// and what it costs where they do not. The float model runs each validation sample twice: as it
/// is, with every activation that a per-tensor <c>QuantizeLinear</c> reads exposed, and with each
/// of those activations clipped to its range (a <c>Clip</c> after it, nothing rounded). The first
/// run finds the activation furthest outside its range; comparing the two runs' outputs gives the
/// error of clipping alone. Where clipping alone explains most of a failing sample's error, the
/// calibration data did not represent the sample (a face for a face detector calibrated on scenes
/// without one), and no placement of float nodes repairs what calibration data like it would.
/// </summary>
/// <remarks>
/// The float model is the one the QDQ pass quantized (after equalization, whose rescaled values
/// the ranges belong to); the quantized model's value names are its names. Memory: two sessions of
/// the float model, one sample at a time.
/// </remarks>
public static class CalibrationCoverage
{
    /// <summary>
    /// The share of a failing output's error (1 − cosine) that clipping alone must cause before the
    /// gate's message names the calibration data as the cause: most of it.
    /// </summary>
    public const double ClippingShare = 0.5;

    /// <summary>Per sample of <paramref name="inputs"/> whose values leave a calibrated range, what the ranges do to it, in sample order.</summary>
    /// <param name="sessions">The job's session factory; both copies of the float model are released when the measurement ends.</param>
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

        var ranges = new Dictionary<string, (float Min, float Max)>(StringComparer.Ordinal);
        foreach (var (name, grid) in QuantizationSimulationReader.Read(quantized, source).Activations)
        {
            if (grid.Scales.Length != 1 || !(grid.Scales[0] > 0f) || !float.IsFinite(grid.Scales[0])) continue;
            float scale = grid.Scales[0];
            ranges[name] = ((grid.Min - grid.ZeroPoints[0]) * scale, (grid.Max - grid.ZeroPoints[0]) * scale);
        }
        if (ranges.Count == 0) return [];

        var producers = source.Graph.Inputs.Where(v => ranges.ContainsKey(v.Name)).ToDictionary(v => v.Name, _ => "", StringComparer.Ordinal);
        var exposed = new List<string>();
        foreach (var node in source.Graph.Nodes)
        {
            foreach (var value in node.Outputs)
            {
                if (value is not null && ranges.ContainsKey(value.Name) && producers.TryAdd(value.Name, node.Name)) exposed.Add(value.Name);
            }
        }
        string[] graphOutputs = [.. source.Graph.Outputs.Select(v => v.Name)];
        string[] asked = [.. graphOutputs.Concat(exposed.Where(n => !graphOutputs.Contains(n, StringComparer.Ordinal)))];
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < asked.Length; i++) position.TryAdd(asked[i], i);

        var result = new List<RangeOvershoot>();
        byte[] reference = ExtraOutputs.Serialize(source, exposed);
        byte[] clipped = WithClippedActivations(source, exposed, producers.Keys, ranges);
        try
        {
            using var pair = SessionPair.Open(sessions, reference, clipped, modelPath);
            int index = 0;
            pair.Run(inputs, asked, maxSamples, (sample, expected, actual) =>
            {
                RangeOvershoot? furthest = null;
                var bound = pair.Reference.Bind(sample);
                try
                {
                    // Graph inputs are read as bound; the activations from the float model's run.
                    for (int i = 0; i < pair.Reference.InputNames.Length; i++)
                    {
                        Consider(ref furthest, index, sample.Name, pair.Reference.InputNames[i], "", bound[i], ranges);
                    }
                }
                finally
                {
                    foreach (var value in bound) value.Dispose();
                }
                foreach (string name in exposed)
                {
                    Consider(ref furthest, index, sample.Name, name, producers[name], expected[position[name]], ranges);
                }
                if (furthest is not null)
                {
                    var cosines = new SortedDictionary<string, double>(StringComparer.Ordinal);
                    for (int i = 0; i < graphOutputs.Length; i++)
                    {
                        var accumulator = new ErrorAccumulator();
                        if (accumulator.TryAdd(expected[i], actual[i], withTopOne: false) is null) cosines[graphOutputs[i]] = accumulator.Cosine;
                    }
                    result.Add(furthest with { ClippedCosines = cosines });
                }
                index++;
            });
        }
        finally
        {
            sessions.Release(reference);
            sessions.Release(clipped);
        }
        return result;
    }

    /// <summary>
    /// The sentence the gate's message adds when clipping to the calibrated ranges alone causes
    /// at least <see cref="ClippingShare"/> of a failed cosine check's error, or null.
    /// </summary>
    /// <param name="coverage">What <see cref="Measure"/> found.</param>
    /// <param name="violations">The gate's failed checks.</param>
    /// <param name="calibrated">Whether the ranges came from CalibrationData (otherwise from the model's own statistics).</param>
    public static string? Explain(IReadOnlyList<RangeOvershoot> coverage, IReadOnlyList<AccuracyViolation> violations, bool calibrated)
    {
        ArgumentNullException.ThrowIfNull(coverage);
        ArgumentNullException.ThrowIfNull(violations);
        var bySample = coverage.ToDictionary(o => o.Sample);
        (AccuracyViolation Violation, RangeOvershoot Overshoot, double Clipped, double Share)? strongest = null;
        foreach (var v in violations)
        {
            if (v.Metric != AccuracyGate.MinCosineSimilarity || v.Sample is not int sample || !bySample.TryGetValue(sample, out var overshoot)
                || !overshoot.ClippedCosines.TryGetValue(v.Output, out double clippedCosine) || !(v.Measured < 1)) continue;
            double share = (1 - clippedCosine) / (1 - v.Measured);
            if (share >= ClippingShare && (strongest is null || share > strongest.Value.Share)) strongest = (v, overshoot, clippedCosine, share);
        }
        if (strongest is not { } s) return null;
        var o = s.Overshoot;
        string remedy = calibrated
            ? "the calibration data do not cover inputs like it: add such inputs to CalibrationData"
            : "the ranges were derived without CalibrationData: give CalibrationData with inputs like it";
        return string.Create(CultureInfo.InvariantCulture,
            $"The calibrated ranges cause it: with every quantized activation clipped to its range and nothing rounded, the float model's output '{s.Violation.Output}' on sample {o.Sample} '{o.SampleName}' has cosine {Format(s.Clipped)} (quantized: {Format(s.Violation.Measured)}); the sample drives '{o.Value}' to [{Format(o.SeenMin)}, {Format(o.SeenMax)}] against [{Format(o.RangeMin)}, {Format(o.RangeMax)}] ({o.Clipped} of {o.Elements} values clipped): {remedy}.");
    }

    /// <summary>
    /// <paramref name="source"/> serialized with each of <paramref name="activations"/> (node
    /// outputs, kept under their names as extra graph outputs) and <paramref name="inputs"/> (graph
    /// inputs) passed through a <c>Clip</c> to its range before any node reads it.
    /// </summary>
    private static byte[] WithClippedActivations(OnnxModel source, IReadOnlyList<string> activations, IEnumerable<string> inputs,
        Dictionary<string, (float Min, float Max)> ranges)
    {
        var proto = OnnxModelWriter.ToProto(source);
        var graph = proto.Graph;
        long opset = proto.OpsetImport.Where(o => o.Domain.Length == 0).Select(o => o.Version).DefaultIfEmpty(1).Max();
        var taken = new HashSet<string>(graph.Node.SelectMany(n => n.Output).Concat(graph.Input.Select(i => i.Name)).Concat(graph.Initializer.Select(i => i.Name)), StringComparer.Ordinal);
        string Unique(string name)
        {
            string candidate = name;
            for (int k = 2; !taken.Add(candidate); k++) candidate = name + k.ToString(CultureInfo.InvariantCulture);
            return candidate;
        }
        NodeProto ClipNode(string from, string to, (float Min, float Max) range)
        {
            var (min, max) = range;
            var clip = new NodeProto { OpType = "Clip", Name = Unique(to + "_clip") };
            clip.Input.Add(from);
            clip.Output.Add(to);
            if (opset >= 11)
            {
                string low = Unique(to + "_clip_min"), high = Unique(to + "_clip_max");
                graph.Initializer.Add(new TensorProto { Name = low, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { min } });
                graph.Initializer.Add(new TensorProto { Name = high, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { max } });
                clip.Input.Add(low);
                clip.Input.Add(high);
            }
            else
            {
                clip.Attribute.Add(new AttributeProto { Name = "min", Type = AttributeProto.Types.AttributeType.Float, F = min });
                clip.Attribute.Add(new AttributeProto { Name = "max", Type = AttributeProto.Types.AttributeType.Float, F = max });
            }
            return clip;
        }

        // A node output keeps its name on the Clip's output, so every reader (and graph output) reads the clipped value.
        var wanted = activations.ToHashSet(StringComparer.Ordinal);
        var nodes = new List<NodeProto>(graph.Node.Count + wanted.Count);
        foreach (var node in graph.Node)
        {
            nodes.Add(node);
            for (int i = 0; i < node.Output.Count; i++)
            {
                string name = node.Output[i];
                if (!wanted.Remove(name)) continue;
                string raw = Unique(name + "_unclipped");
                node.Output[i] = raw;
                nodes.Add(ClipNode(raw, name, ranges[name]));
            }
        }
        // A graph input keeps its name; its readers read the clipped copy instead.
        var inputClips = new List<NodeProto>();
        foreach (string input in inputs)
        {
            string clippedName = Unique(input + "_clipped");
            foreach (var node in nodes)
            {
                for (int i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i] == input) node.Input[i] = clippedName;
                }
            }
            inputClips.Add(ClipNode(input, clippedName, ranges[input]));
        }
        graph.Node.Clear();
        graph.Node.AddRange(inputClips);
        graph.Node.AddRange(nodes);
        ExtraOutputs.AddTo(graph, activations);
        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }

    private static void Consider(ref RangeOvershoot? furthest, int sample, string sampleName, string name, string node, OrtValue value,
        Dictionary<string, (float Min, float Max)> ranges)
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
            furthest = new RangeOvershoot(sample, sampleName, name, node, range.Min, range.Max, min, max, clipped, elements, overshoot,
                new SortedDictionary<string, double>(StringComparer.Ordinal));
        }
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
