using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// The original and the optimized model loaded side by side, and the one loop that runs samples
/// through both: each sample is bound to each model, both run, and the two sets of outputs are
/// handed to the caller before the sample's values are released. <see cref="ModelComparison"/>
/// (graph outputs) and <see cref="NodeSensitivity"/> (intermediate values) measure with it.
/// </summary>
internal sealed class SessionPair : IDisposable
{
    private SessionPair(ValidationSession reference, ValidationSession candidate)
    {
        Reference = reference;
        Candidate = candidate;
    }

    /// <summary>The original model's session.</summary>
    public ValidationSession Reference { get; }

    /// <summary>The optimized model's session.</summary>
    public ValidationSession Candidate { get; }

    /// <summary>Loads both models through <paramref name="sessions"/> (shared sessions: a model already loaded is not loaded again).</summary>
    public static SessionPair Open(SessionFactory sessions, byte[] original, byte[] optimized, string? modelPath)
    {
        var reference = ValidationSession.Open(sessions, original, modelPath, "original");
        try
        {
            return new SessionPair(reference, ValidationSession.Open(sessions, optimized, modelPath, "optimized"));
        }
        catch
        {
            reference.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the first <paramref name="maxSamples"/> samples of <paramref name="inputs"/> through
    /// both models, asking each for <paramref name="outputs"/>, and calls <paramref name="measure"/>
    /// with the sample, the original's outputs and the optimized model's, in that order.
    /// </summary>
    /// <returns>How many samples ran.</returns>
    public int Run(SampleSet inputs, IReadOnlyCollection<string> outputs, int maxSamples,
        Action<Sample, IReadOnlyList<OrtValue>, IReadOnlyList<OrtValue>> measure)
    {
        int samples = 0;
        foreach (var sample in inputs.Samples())
        {
            if (samples == maxSamples) break;
            var referenceInputs = Reference.Bind(sample);
            List<OrtValue>? candidateInputs = null;
            try
            {
                candidateInputs = Candidate.Bind(sample);
                using var expected = Reference.Run(referenceInputs, outputs, sample.Name);
                using var actual = Candidate.Run(candidateInputs, outputs, sample.Name);
                measure(sample, expected, actual);
            }
            finally
            {
                foreach (var value in referenceInputs) value.Dispose();
                foreach (var value in candidateInputs ?? []) value.Dispose();
            }
            samples++;
        }
        return samples;
    }

    public void Dispose()
    {
        Reference.Dispose();
        Candidate.Dispose();
    }
}
