using ModelOpt.Core.Data;
using ModelOpt.Engine.Jobs;
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

    /// <summary>The gate of <paramref name="context"/>'s job, comparing against <paramref name="original"/> as loaded.</summary>
    public ModelGate(JobContext context, OnnxModel original)
    {
        _context = context;
        // One self-contained copy (external data inlined) that ONNX Runtime runs as the reference.
        Original = OnnxModelWriter.ToBytes(original);
        Inputs = AccuracyCheck.InputsFor(context.Options, original, context.ModelPath, context.Sessions);
    }

    /// <summary>The original model's bytes, external data inlined: the reference every candidate is compared with.</summary>
    public byte[] Original { get; }

    /// <summary>The inputs both models run on.</summary>
    public SampleSet Inputs { get; }

    /// <summary>Loads <paramref name="candidate"/> in ONNX Runtime and compares it with the original.</summary>
    public AccuracyCheck Check(byte[] candidate)
    {
        OrtModelCheck.Run(_context.Sessions, candidate, _context.ModelPath);
        return AccuracyCheck.Run(_context.Sessions, Original, candidate, Inputs, _context.Options, _context.ModelPath);
    }
}
