namespace ModelOpt.Core.Quantization.Static;

/// <summary>A weight quantized for QDQ, with its bias in int32 when it has one.</summary>
/// <param name="Weight">int8 values, one scale and zero point per channel.</param>
/// <param name="Bias">The bias in int32, or null.</param>
/// <param name="BiasScales">The bias scales (input scale × weight scale, per bias channel), or null.</param>
internal sealed record StaticWeight(QuantizedWeight Weight, int[]? Bias, float[]? BiasScales);
