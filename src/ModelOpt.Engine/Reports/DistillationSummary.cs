using ModelOpt.Core.Distillation;

namespace ModelOpt.Engine.Reports;

/// <summary>One fine-tuning of a job, for the reports: the pruned model's distillation, or a quantization-aware fine-tuning before one mode.</summary>
/// <param name="Stage">"distill", or "quantization-aware (Static)".</param>
/// <param name="Result">What it did, epoch by epoch.</param>
public sealed record DistillationSummary(string Stage, DistillationResult Result);
