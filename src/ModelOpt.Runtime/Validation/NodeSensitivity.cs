using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Ir;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// Per-node error of an optimized model against the original: every intermediate float value
/// that both models produce under the same name is exposed as an extra graph output (in
/// serialized copies; the models are not touched), both run on the samples, and each value's
/// error is measured. The Auto search uses it to find the nodes whose optimization costs the
/// most accuracy and keep those in float.
/// </summary>
/// <remarks>
/// Values are those produced by nodes of the original's main graph (not <c>Constant</c> nodes:
/// they are weights, not activations), whose name a node of the optimized model's main graph
/// also produces (or that is one of its graph outputs), and which are FLOAT, DOUBLE or FLOAT16
/// at run time in both. A value whose shape differs between the models (a pruned channel
/// count) is left out. Memory: one sample at a time, running sums only, and at most
/// <c>maxSamples</c> samples, since every activation of a sample is held at once.
/// </remarks>
public static class NodeSensitivity
{
    /// <summary>Samples used unless told otherwise: a few are enough to rank nodes.</summary>
    public const int DefaultMaxSamples = 4;

    /// <summary>The measured values in the original's graph order.</summary>
    /// <param name="sessions">The job's session factory; the copies with extra outputs are released when the measurement ends.</param>
    /// <param name="original">The original model.</param>
    /// <param name="optimized">The optimized model.</param>
    /// <param name="inputs">The samples.</param>
    /// <param name="maxSamples">Use at most this many samples (the first ones).</param>
    public static IReadOnlyList<ValueSensitivity> Measure(SessionFactory sessions, OnnxModel original, OnnxModel optimized, SampleSet inputs, int maxSamples = DefaultMaxSamples)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(optimized);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSamples);

        var produced = new HashSet<string>(optimized.Graph.Nodes.SelectMany(n => n.Outputs).OfType<Value>().Select(v => v.Name), StringComparer.Ordinal);
        produced.UnionWith(optimized.Graph.Outputs.Select(v => v.Name));
        var candidates = new List<Value>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in original.Graph.Nodes)
        {
            if (node.OpType == "Constant" && node.Domain.Length == 0) continue;
            foreach (var value in node.Outputs)
            {
                if (value is null || value.Name.Length == 0 || !produced.Contains(value.Name) || !seen.Add(value.Name)) continue;
                // Declared types are optional on intermediates; undeclared ones are checked at run time.
                if (value.ElementType is ElementType.Undefined or ElementType.Float or ElementType.Double or ElementType.Float16) candidates.Add(value);
            }
        }
        if (candidates.Count == 0) return [];

        string[] names = [.. candidates.Select(v => v.Name)];
        var accumulators = names.Select(_ => new ErrorAccumulator()).ToArray();
        var excluded = new bool[names.Length];
        // The copies with extra outputs are this measurement's own: nothing else can share their
        // sessions, which hold as much memory as the models, so they go when it ends.
        byte[] reference = ExtraOutputs.Serialize(original, names);
        byte[] candidate = ExtraOutputs.Serialize(optimized, names);
        int samples;
        try
        {
            using var pair = SessionPair.Open(sessions, reference, candidate, original.SourcePath);
            samples = pair.Run(inputs, names, maxSamples, (_, expected, actual) =>
            {
                for (int i = 0; i < names.Length; i++)
                {
                    if (excluded[i]) continue;
                    if (!expected[i].IsTensor || !actual[i].IsTensor || !IsFloat(expected[i]) || !IsFloat(actual[i])
                        || accumulators[i].TryAdd(expected[i], actual[i], withTopOne: false) is not null)
                    {
                        excluded[i] = true;
                    }
                }
            });
        }
        finally
        {
            sessions.Release(reference);
            sessions.Release(candidate);
        }
        if (samples == 0) return [];

        // 1 - cosine per measured value, for the local increase; graph inputs and weights are exact (0).
        var errorOf = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
        {
            if (!excluded[i]) errorOf[names[i]] = 1 - accumulators[i].Cosine;
        }
        var result = new List<ValueSensitivity>();
        for (int i = 0; i < names.Length; i++)
        {
            if (excluded[i]) continue;
            var node = candidates[i].Producer!;
            double inputError = 0;
            foreach (var input in node.Inputs)
            {
                if (input is not null && errorOf.TryGetValue(input.Name, out double e)) inputError = Math.Max(inputError, e);
            }
            var a = accumulators[i];
            result.Add(new ValueSensitivity(names[i], node.Name, node.OpType, a.Cosine, a.MaxAbsoluteError, a.MeanAbsoluteError, a.Elements,
                errorOf[names[i]] - inputError));
        }
        return result;
    }

    private static bool IsFloat(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        return ErrorAccumulator.IsFloat(info.ElementDataType);
    }
}
