using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Engine.Planning;

/// <summary>One optimized model a job produced and checked, with everything the reports need about it.</summary>
/// <param name="Model">The model (owned: dispose it).</param>
/// <param name="Bytes">The model serialized, as ONNX Runtime ran it and as it is written.</param>
/// <param name="QuantizedWith">The quantization mode it was made with.</param>
/// <param name="KeptInFloat">Nodes kept in full precision besides ExcludeNodes (Auto's retries).</param>
/// <param name="Outcome">What the pipeline did.</param>
/// <param name="Check">The accuracy gate's verdict.</param>
/// <param name="Configuration">How reports name it, e.g. <c>Static, 3 most sensitive nodes in float</c>.</param>
public sealed record Candidate(OnnxModel Model, byte[] Bytes, QuantizeMode QuantizedWith, IReadOnlyList<string> KeptInFloat, TransformOutcome Outcome, AccuracyCheck Check, string Configuration) : IDisposable
{
    /// <summary>
    /// Whether every node stayed in float: the original under a mode's name, never a result of
    /// <c>Auto</c> or of the accuracy fallback.
    /// </summary>
    public bool QuantizesNothing => Outcome.Nodes.All(n => n.Precision == Core.Quantization.NodePrecision.Float);

    /// <summary>Disposes <see cref="Model"/>; the outcome's <see cref="TransformOutcome.RescaledFloat"/> is the job's, shared by every candidate of the mode.</summary>
    public void Dispose() => Model.Dispose();
}
