using ModelOpt.Core.Distillation;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Training;

/// <summary>
/// Simulated quantization for quantization-aware fine-tuning: the forward pass sees the rounded
/// values, the backward pass the identity (the straight-through estimator, Bengio et al. 2013,
/// as in Jacob et al. 2018, "Quantization and Training of Neural Networks for Efficient
/// Integer-Arithmetic-Only Inference"): x + (q(x) − x).detach().
/// </summary>
internal static class FakeQuantizer
{
    /// <summary>An activation with a calibrated scale and zero point (Static's QuantizeLinear → DequantizeLinear).</summary>
    public static TorchTensor Calibrated(TorchTensor x, FakeQuantization q)
    {
        var scale = Broadcast(q.Scales, q.Axis, x);
        var zeroPoint = Broadcast([.. q.ZeroPoints.Select(z => (float)z)], q.Axis, x);
        var rounded = (torch.round(x / scale) + zeroPoint).clamp(q.Min, q.Max);
        return StraightThrough(x, (rounded - zeroPoint) * scale);
    }

    /// <summary>An activation quantized with its own range (Dynamic's DynamicQuantizeLinear: uint8, the range stretched to include 0).</summary>
    public static TorchTensor Dynamic(TorchTensor x)
    {
        using var detached = x.detach();
        float min = Math.Min(0f, detached.min().item<float>()), max = Math.Max(0f, detached.max().item<float>());
        float scale = max > min ? (max - min) / 255f : 1f;
        float zeroPoint = MathF.Round(Math.Clamp(-min / scale, 0, 255));
        var rounded = (torch.round(x / scale) + zeroPoint).clamp(0, 255);
        return StraightThrough(x, (rounded - zeroPoint) * scale);
    }

    /// <summary>
    /// A weight rounded symmetrically per channel along <see cref="FakeQuantization.Axis"/> into
    /// ±<see cref="FakeQuantization.Max"/>, with scales from the current values (max |w| of the
    /// channel), as the quantizer will compute them from the trained weights.
    /// </summary>
    public static TorchTensor Weight(TorchTensor w, FakeQuantization q)
    {
        TorchTensor magnitude;
        using (torch.no_grad())
        {
            if (q.Axis is { } axis && w.dim() > 0)
            {
                var dims = Enumerable.Range(0, (int)w.dim()).Where(d => d != axis).Select(d => (long)d).ToArray();
                magnitude = dims.Length == 0 ? w.abs() : w.abs().amax(dims, keepdim: true);
            }
            else
            {
                magnitude = w.abs().max();
            }
        }
        var scale = (magnitude / q.Max).clamp_min(1e-12f);
        var rounded = torch.round(w / scale).clamp(-q.Max, q.Max);
        return StraightThrough(w, rounded * scale);
    }

    private static TorchTensor StraightThrough(TorchTensor x, TorchTensor simulated) => x + (simulated - x).detach();

    // Per-channel parameters broadcast along their axis; per-tensor ones are scalars.
    private static TorchTensor Broadcast(float[] values, int? axis, TorchTensor like)
    {
        var tensor = torch.tensor(values, dtype: like.dtype, device: like.device);
        if (values.Length == 1 || axis is not { } a) return tensor.reshape(Array.Empty<long>());
        var shape = Enumerable.Repeat(1L, (int)like.dim()).ToArray();
        shape[a < 0 ? a + (int)like.dim() : a] = values.Length;
        return tensor.reshape(shape);
    }
}
