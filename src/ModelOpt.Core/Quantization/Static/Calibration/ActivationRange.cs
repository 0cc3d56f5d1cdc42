namespace ModelOpt.Core.Quantization.Static.Calibration;

/// <summary>The range [Min, Max] of an activation that its quantization grid covers; Min ≤ 0 ≤ Max.</summary>
public readonly record struct ActivationRange(float Min, float Max);
