using ModelOpt.Core.Quantization.Static.Calibration;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization.Static;

/// <summary>
/// The scale and zero point of one quantized activation: <c>q = saturate(round(x / Scale) + ZeroPoint)</c>
/// and <c>x ≈ (q − ZeroPoint)·Scale</c> (ONNX QuantizeLinear/DequantizeLinear).
/// </summary>
internal readonly record struct QuantizationParameters(float Scale, int ZeroPoint, ElementType Type)
{
    /// <summary>
    /// The parameters whose grid covers <paramref name="range"/> (which contains 0). Asymmetric:
    /// the 256 steps span [min, max], and 0 falls exactly on the step the zero point names, so a
    /// range starting at 0 (a Relu's output) gets the type's lowest value as zero point. Symmetric:
    /// the steps span [-m, m] with m = max(|min|, |max|), zero point 0 (int8) or 128 (uint8).
    /// A range too small for a normal float scale gets scale 1, under which the only value seen,
    /// 0, is still exact; a zero or subnormal scale would turn into infinities in the runtime's
    /// requantization.
    /// </summary>
    public static QuantizationParameters FromRange(ActivationRange range, ActivationType type, bool symmetric)
    {
        var elementType = type == ActivationType.UInt8 ? ElementType.UInt8 : ElementType.Int8;
        int qmin = type == ActivationType.UInt8 ? 0 : -128, qmax = qmin + 255;
        double min = Math.Min(range.Min, 0f), max = Math.Max(range.Max, 0f);
        if (symmetric)
        {
            double magnitude = Math.Max(-min, max);
            float symmetricScale = (float)(magnitude / 127.0);
            int middle = type == ActivationType.UInt8 ? 128 : 0;
            return IsUsable(symmetricScale) ? new(symmetricScale, middle, elementType) : new(1f, middle, elementType);
        }
        float scale = (float)((max - min) / (qmax - qmin));
        if (!IsUsable(scale)) return new(1f, qmin, elementType);
        int zeroPoint = (int)Math.Clamp(Math.Round(qmin - min / scale, MidpointRounding.ToEven), qmin, qmax);
        return new(scale, zeroPoint, elementType);
    }

    private static bool IsUsable(float scale) => float.IsNormal(scale) && scale > 0f;
}
