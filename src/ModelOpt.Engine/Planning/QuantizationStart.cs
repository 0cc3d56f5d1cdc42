using ModelOpt.Onnx.Ir;

namespace ModelOpt.Engine.Planning;

/// <summary>
/// The float model every trial of one quantize mode clones, made once per job and mode by
/// <see cref="PipelinePlanner"/>: the prefix with the mode's equalization applied (or, with
/// Distill, the quantization-aware student trained from it). Both models belong to the job's
/// <see cref="Jobs.JobContext"/>, never to a candidate.
/// </summary>
/// <param name="Model">What the trials clone and quantize; never modified after it is made.</param>
/// <param name="RescaledFloat">
/// <paramref name="Model"/> itself when equalization rescaled channels of its values, else null:
/// per-node error and the accuracy fallback then compare against it rather than the folded
/// original, which holds those values at another scale.
/// </param>
/// <param name="KeptInFloat">Nodes the mode's equalization added that the quantization passes must keep in float (the outlier decomposition's), by identity, with the reason.</param>
internal sealed record QuantizationStart(OnnxModel Model, OnnxModel? RescaledFloat, IReadOnlyList<KeyValuePair<string, string>> KeptInFloat);
