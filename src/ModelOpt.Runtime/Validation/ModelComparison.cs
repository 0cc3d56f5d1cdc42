using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// Runs the original and the optimized model in ONNX Runtime on the same samples and
/// measures, per output, how far the optimized model strays (<see cref="OutputMetrics"/>).
/// Samples run one at a time and only running sums are kept, plus a few numbers per sample and
/// output (<see cref="SampleMetrics"/>), so no activation outlives its sample.
/// </summary>
/// <remarks>
/// Outputs are matched by name: an optimization keeps the graph's outputs. Float outputs get all
/// metrics; integer and bool outputs (class indices, masks) are compared as numbers, so any
/// difference shows as an error above 0 (top-1 agreement stays null for them); outputs of other
/// types (STRING, sequences, maps) are left out with a note in <see cref="ComparisonResult.Notes"/>.
/// </remarks>
public static class ModelComparison
{
    /// <summary>Compares <paramref name="optimized"/> with <paramref name="original"/> on <paramref name="inputs"/>.</summary>
    /// <param name="sessions">The job's session factory (the original's session is shared with every other comparison against it).</param>
    /// <param name="original">The original model, serialized.</param>
    /// <param name="optimized">The optimized model, serialized.</param>
    /// <param name="inputs">The samples.</param>
    /// <param name="modelPath">The model file, for messages.</param>
    /// <param name="maxSamples">Use at most this many samples (the first ones).</param>
    /// <param name="oneSessionAtATime">
    /// Load the models in turn, never both at once (for a graph too large to hold twice): the
    /// original runs first and its session is released before the optimized model is loaded,
    /// its outputs of every sample kept meanwhile. The result is the same.
    /// </param>
    public static ComparisonResult Compare(SessionFactory sessions, byte[] original, byte[] optimized, SampleSet inputs, string? modelPath = null, int maxSamples = int.MaxValue, bool oneSessionAtATime = false)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(optimized);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSamples);

        using var pair = SessionPair.Open(sessions, original, optimized, modelPath, oneSessionAtATime);
        string[] outputs = pair.Reference.OutputNames;

        var accumulators = outputs.Select(_ => new ErrorAccumulator()).ToArray();
        var perSample = outputs.Select(_ => new List<SampleMetrics>()).ToArray();
        var skipped = new string?[outputs.Length];
        int index = 0;
        int samples = pair.Run(inputs, outputs, maxSamples, (sample, expected, actual) =>
        {
            for (int i = 0; i < outputs.Length; i++)
            {
                if (skipped[i] is not null) continue;
                if (!expected[i].IsTensor || !actual[i].IsTensor)
                {
                    skipped[i] = $"output '{outputs[i]}' is not a tensor; not compared";
                    continue;
                }
                var info = expected[i].GetTensorTypeAndShape();
                if (!ErrorAccumulator.IsComparable(info.ElementDataType))
                {
                    skipped[i] = $"output '{outputs[i]}' has element type {info.ElementDataType}; not compared";
                    continue;
                }
                // Each sample gets its own sums (the gate checks the worst sample), then joins the whole set's.
                var one = new ErrorAccumulator();
                string? problem = one.TryAdd(expected[i], actual[i]);
                if (problem is not null)
                {
                    throw new ModelOptException(DiagnosticCode.ValidationRunFailed, modelPath,
                        $"on validation sample '{sample.Name}', output '{outputs[i]}' of the optimized model does not match the original's: {problem}. This is a bug in the optimization; please report it with the model.");
                }
                accumulators[i].Add(one);
                perSample[i].Add(new SampleMetrics(index, sample.Name, one.Cosine, one.MaxAbsoluteError, one.MeanAbsoluteError, one.TopOneAgreement));
            }
            index++;
        }, candidate =>
        {
            var missing = outputs.Where(o => !candidate.OutputNames.Contains(o)).ToArray();
            if (missing.Length > 0)
            {
                throw new ModelOptException(DiagnosticCode.ValidationRunFailed, modelPath,
                    $"the optimized model lacks the output(s) {string.Join(", ", missing.Select(o => $"'{o}'"))} of the original, so it cannot be validated. This is a bug in the optimization; please report it with the model.");
            }
        });
        if (samples == 0)
        {
            throw new ModelOptException(DiagnosticCode.ValidationInputsInvalid, modelPath,
                $"the validation inputs ({inputs.Description}) hold no sample.");
        }

        var metrics = new List<OutputMetrics>();
        for (int i = 0; i < outputs.Length; i++)
        {
            if (skipped[i] is not null) continue;
            var a = accumulators[i];
            metrics.Add(OutputMetrics.FromSamples(outputs[i], perSample[i], a.MeanAbsoluteError, a.TopOneAgreement, a.Elements));
        }
        return new ComparisonResult(metrics, samples, inputs.Description, [.. skipped.OfType<string>()]);
    }
}
