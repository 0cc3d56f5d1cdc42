using ModelOpt.Engine.Options;

namespace ModelOpt.Engine.Auto;

/// <summary>One configuration that <c>Quantize="Auto"</c> tried, for the report.</summary>
/// <param name="Configuration">How the report names it, e.g. <c>Static, 3 nodes kept in float</c>.</param>
/// <param name="Quantize">The quantization mode tried.</param>
/// <param name="KeptInFloat">Nodes the trial kept in full precision because they were the most sensitive.</param>
/// <param name="Bytes">The optimized model's size; 0 when the trial did not produce one.</param>
/// <param name="WorstCosine">The lowest output cosine against the original; NaN when not measured.</param>
/// <param name="Passed">True when the model passed the accuracy gate.</param>
/// <param name="Seconds">How long the trial took.</param>
/// <param name="LatencyRatio">Latency against the original, measured to check speed (Objective Balanced or Latency) or to break a tie in size.</param>
/// <param name="Note">Why it was skipped or failed, or why it was chosen.</param>
/// <param name="Chosen">True for the configuration that was embedded.</param>
public sealed record AutoTrial(
    string Configuration,
    QuantizeMode Quantize,
    IReadOnlyList<string> KeptInFloat,
    long Bytes,
    double WorstCosine,
    bool Passed,
    double Seconds,
    double? LatencyRatio,
    string? Note,
    bool Chosen);
