namespace ModelOpt.Core.Distillation;

/// <summary>
/// How one tensor is quantized, for simulating it in training: q = clamp(round(x/scale) + zeroPoint,
/// <see cref="Min"/>, <see cref="Max"/>), then (q − zeroPoint)·scale; per tensor
/// (<see cref="Axis"/> null, one scale) or per channel along <see cref="Axis"/>.
/// </summary>
/// <param name="Scales">One scale, or one per channel.</param>
/// <param name="ZeroPoints">The zero points, as many as the scales.</param>
/// <param name="Axis">The channel axis of per-channel quantization, or null.</param>
/// <param name="Min">The smallest integer the type (or the reduced range) holds.</param>
/// <param name="Max">The largest.</param>
public sealed record FakeQuantization(float[] Scales, int[] ZeroPoints, int? Axis, int Min, int Max);
