using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Data;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Runtime.Validation;

/// <summary>
/// The original and the optimized model in ONNX Runtime, and the one loop that runs samples
/// through both: each sample is bound to each model, both run, and the two sets of outputs are
/// handed to the caller before the sample's values are released. <see cref="ModelComparison"/>
/// (graph outputs) and <see cref="NodeSensitivity"/> (intermediate values) measure with it.
/// </summary>
/// <remarks>
/// Side by side (the default) both sessions are alive at once, and the original's stays in the
/// factory for the next comparison against it. <em>In turn</em>, for a graph so large that two
/// sessions would not fit in memory (each holds about as much as its graph again), the original
/// runs alone first, its outputs for every sample are kept, its session is released, and only
/// then is the optimized model loaded: one session at a time, at the cost of the samples' outputs
/// held meanwhile and of loading the original again for a later comparison.
/// </remarks>
internal sealed class SessionPair : IDisposable
{
    private readonly SessionFactory _sessions;
    private readonly byte[] _original;
    private readonly byte[] _optimized;
    private readonly string? _modelPath;
    private ValidationSession? _candidate;

    private SessionPair(SessionFactory sessions, byte[] original, byte[] optimized, string? modelPath, ValidationSession reference, ValidationSession? candidate)
    {
        InTurn = candidate is null;
        _sessions = sessions;
        _original = original;
        _optimized = optimized;
        _modelPath = modelPath;
        Reference = reference;
        _candidate = candidate;
    }

    /// <summary>The original model's session (in turn: released once its outputs are computed; its names stay readable).</summary>
    public ValidationSession Reference { get; }

    /// <summary>Whether the models are loaded one after the other rather than side by side.</summary>
    public bool InTurn { get; }

    /// <summary>
    /// Loads the original through <paramref name="sessions"/> (shared sessions: a model already
    /// loaded is not loaded again) and, side by side, the optimized model too; in turn
    /// (<paramref name="inTurn"/>) the optimized model is loaded by <see cref="Run"/>, after the original ran.
    /// </summary>
    public static SessionPair Open(SessionFactory sessions, byte[] original, byte[] optimized, string? modelPath, bool inTurn = false)
    {
        var reference = ValidationSession.Open(sessions, original, modelPath, "original");
        try
        {
            var candidate = inTurn ? null : ValidationSession.Open(sessions, optimized, modelPath, "optimized");
            return new SessionPair(sessions, original, optimized, modelPath, reference, candidate);
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
    /// <paramref name="candidateLoaded"/>, when given, sees the optimized model's session before it first runs.
    /// </summary>
    /// <returns>How many samples ran.</returns>
    public int Run(SampleSet inputs, IReadOnlyCollection<string> outputs, int maxSamples,
        Action<Sample, IReadOnlyList<OrtValue>, IReadOnlyList<OrtValue>> measure, Action<ValidationSession>? candidateLoaded = null)
    {
        if (InTurn) return RunInTurn(inputs, outputs, maxSamples, measure, candidateLoaded);
        var candidate = _candidate!;
        candidateLoaded?.Invoke(candidate);
        int samples = 0;
        foreach (var sample in inputs.Samples())
        {
            if (samples == maxSamples) break;
            var referenceInputs = Reference.Bind(sample);
            List<OrtValue>? candidateInputs = null;
            try
            {
                candidateInputs = candidate.Bind(sample);
                using var expected = Reference.Run(referenceInputs, outputs, sample.Name);
                using var actual = candidate.Run(candidateInputs, outputs, sample.Name);
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

    private int RunInTurn(SampleSet inputs, IReadOnlyCollection<string> outputs, int maxSamples,
        Action<Sample, IReadOnlyList<OrtValue>, IReadOnlyList<OrtValue>> measure, Action<ValidationSession>? candidateLoaded)
    {
        // The original's outputs own their buffers (ONNX Runtime tensors keep their allocator), so they outlive its session.
        var expected = new List<(Sample Sample, IDisposableReadOnlyCollection<OrtValue> Outputs)>();
        try
        {
            foreach (var sample in inputs.Samples())
            {
                if (expected.Count == maxSamples) break;
                var bound = Reference.Bind(sample);
                try
                {
                    expected.Add((sample, Reference.Run(bound, outputs, sample.Name)));
                }
                finally
                {
                    foreach (var value in bound) value.Dispose();
                }
            }
            _sessions.Release(_original);

            _candidate = ValidationSession.Open(_sessions, _optimized, _modelPath, "optimized");
            candidateLoaded?.Invoke(_candidate);
            for (int i = 0; i < expected.Count; i++)
            {
                var (sample, reference) = expected[i];
                var bound = _candidate.Bind(sample);
                try
                {
                    using var actual = _candidate.Run(bound, outputs, sample.Name);
                    measure(sample, reference, actual);
                }
                finally
                {
                    foreach (var value in bound) value.Dispose();
                    reference.Dispose();
                    expected[i] = default;
                }
            }
            return expected.Count;
        }
        finally
        {
            foreach (var (_, reference) in expected) reference?.Dispose();
        }
    }

    public void Dispose()
    {
        Reference.Dispose();
        _candidate?.Dispose();
    }
}
