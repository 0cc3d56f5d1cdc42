using ModelOpt.Core.Data;
using ModelOpt.Engine.Jobs;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Gate;

/// <summary>
/// The accuracy gate of one job: the original model (as ONNX Runtime runs it) and the inputs,
/// chosen once (ValidationData, else CalibrationData, else generated from the original's declared
/// inputs); every candidate is loaded in ONNX Runtime first (a model it rejects is MOPT0120, our
/// fault, not a failed gate) and then compared on those inputs against the job's thresholds.
/// </summary>
public sealed class ModelGate
{
    private readonly JobContext _context;
    // Nodes of domains ONNX Runtime does not ship (custom operators), named for MOPT0021.
    private readonly string[] _customNodes;

    /// <summary>
    /// The gate of <paramref name="context"/>'s job, comparing against <paramref name="original"/> as loaded;
    /// <paramref name="oneSessionAtATime"/> for a graph too large to hold two sessions of (<see cref="OneSessionAtATime"/>).
    /// </summary>
    public ModelGate(JobContext context, OnnxModel original, bool oneSessionAtATime = false)
    {
        _context = context;
        OneSessionAtATime = oneSessionAtATime;
        _customNodes = [.. original.Graph.AllNodes()
            .Where(n => n.Domain is not ("" or "ai.onnx" or "ai.onnx.ml" or Core.Graphs.ContribOperators.Domain))
            .Select(n => n.ToString())
            .Distinct(StringComparer.Ordinal)];
        // One self-contained copy (external data inlined) that ONNX Runtime runs as the reference.
        Original = OnnxModelWriter.ToBytes(original);
        var options = context.Options;
        InputKind = options.ValidationData is not null ? ValidationInputKind.HeldOut
            : options.CalibrationData is not null ? ValidationInputKind.InSample
            : ValidationInputKind.Indicative;
        context.Progress($"gate: reference serialized, {Original.LongLength / 1024} KiB");
        try
        {
            Inputs = AccuracyCheck.InputsFor(options, original, context.ModelPath, context.Sessions, Original);
        }
        catch (ModelOptException e) when (e.Code == DiagnosticCode.ValidationInputsInvalid && options.Thresholds.IsOff && InputKind == ValidationInputKind.Indicative)
        {
            // With every threshold off nothing needs the inputs to pass; a model whose inputs
            // cannot be generated still builds, and the report says what was not measured.
            NoInputsReason = $"no validation inputs, so no accuracy comparison, latency or per-node error (the gate is off): {e.Message}";
            InputKind = ValidationInputKind.None;
        }
        // Sizing open dimensions may have loaded the original; in turn, it is loaded again when its turn comes.
        if (oneSessionAtATime) context.Sessions.Release(Original);
        context.Progress(Inputs is null ? "gate: no inputs" : $"gate: inputs ready ({Inputs.Description})");
    }

    /// <summary>
    /// Whether every comparison loads the original and the candidate in turn rather than side by
    /// side, and releases each session when its turn ends, so that only one session of the model
    /// is alive at a time (the engine asks for it for graphs above its measurement limit, where
    /// one session takes gigabytes). Costs loading the original again for each candidate.
    /// </summary>
    public bool OneSessionAtATime { get; }

    /// <summary>What the inputs are (held out, in-sample, generated, none).</summary>
    public ValidationInputKind InputKind { get; }

    /// <summary>Why there are no inputs (<see cref="Inputs"/> is null), for the report; null when there are.</summary>
    public string? NoInputsReason { get; }

    /// <summary>The original model's bytes, external data inlined: the reference every candidate is compared with.</summary>
    public byte[] Original { get; }

    /// <summary>The inputs both models run on; null only with the gate off when none could be generated (<see cref="NoInputsReason"/>).</summary>
    public SampleSet? Inputs { get; }

    private bool LoadsInOnnxRuntime(byte[] model)
    {
        try
        {
            OrtModelCheck.Run(_context.Sessions, model, _context.ModelPath);
            return true;
        }
        catch (ModelOptException)
        {
            return false;
        }
    }

    /// <summary>Loads <paramref name="candidate"/> in ONNX Runtime and compares it with the original.</summary>
    public AccuracyCheck Check(byte[] candidate)
    {
        _context.Progress("gate: loading the candidate in ONNX Runtime");
        // A huge graph's serializations left gigabytes of protobuf objects behind; the GC would
        // keep their pages while ONNX Runtime (native) allocates as much again for the session,
        // so they are collected and given back first (a second or two against minutes of loading).
        if (OneSessionAtATime) GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        try
        {
            OrtModelCheck.Run(_context.Sessions, candidate, _context.ModelPath);
        }
        catch (ModelOptException e) when (e.Code == DiagnosticCode.OptimizedModelRejected && _customNodes.Length > 0 && !LoadsInOnnxRuntime(Original))
        {
            // The original does not load either: not our transformation's fault but a custom
            // operator whose kernel library ONNX Runtime was not given.
            throw new ModelOptException(DiagnosticCode.CustomOperatorNotLoadable, _context.ModelPath,
                $"{string.Join(", ", _customNodes.Take(5))}{(_customNodes.Length > 5 ? $" and {_customNodes.Length - 5} more" : "")}: a custom operator that ONNX Runtime cannot load without its custom-op library, and ModelOpt must run the model (load check, accuracy gate, calibration). ModelOpt does not register custom-op libraries: remove the model from OptimizeModel (or set ModelOptEnabled=false) to embed it unchanged, or replace the operator with standard ONNX operators. ONNX Runtime said: {e.InnerException?.Message ?? e.Message}", e);
        }
        if (Inputs is null) return AccuracyCheck.NotRun(_context.Options, NoInputsReason!);
        _context.Progress("gate: comparing with the original");
        var check = AccuracyCheck.Run(_context.Sessions, Original, candidate, Inputs, _context.Options, _context.ModelPath, OneSessionAtATime);
        if (OneSessionAtATime) _context.Sessions.Release(candidate);
        _context.Progress(System.FormattableString.Invariant($"gate: worst cosine {check.WorstCosine:0.0000} over {check.Comparison.SampleCount} samples, {(check.Passed ? "passed" : "failed")}"));
        return check;
    }
}
