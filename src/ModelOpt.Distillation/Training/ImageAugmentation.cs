using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace ModelOpt.Distillation.Training;

/// <summary>
/// Random crop and horizontal flip of a picture tensor ([1, C, H, W] or [1, H, W, C]), drawn from
/// a seeded generator so that a seed gives the same crops on every run: the picture is padded by
/// an eighth of its size on each side (reflected, so no black borders appear) and cropped back to
/// its size at a random offset, then mirrored with probability one half. The size stays, so the
/// model sees the shapes it was exported for.
/// </summary>
internal sealed class ImageAugmentation
{
    private readonly Random _random;

    public ImageAugmentation(int seed) => _random = new Random(seed);

    /// <summary>An augmented copy of <paramref name="picture"/>, in the caller's dispose scope.</summary>
    public TorchTensor Apply(TorchTensor picture)
    {
        // Channels-last when the last dimension is a channel count and the second is not.
        bool channelsLast = picture.shape[3] <= 4 && picture.shape[1] > 4;
        var nchw = channelsLast ? picture.permute(0, 3, 1, 2) : picture;
        long height = nchw.shape[2], width = nchw.shape[3];
        long padY = Math.Min(height / 8, height - 1), padX = Math.Min(width / 8, width - 1);
        var result = nchw;
        if (padY > 0 || padX > 0)
        {
            var padded = torch.nn.functional.pad(nchw, [padX, padX, padY, padY], PaddingModes.Reflect);
            long top = _random.NextInt64(0, 2 * padY + 1), left = _random.NextInt64(0, 2 * padX + 1);
            result = padded.narrow(2, top, height).narrow(3, left, width);
        }
        if (_random.Next(2) == 1) result = result.flip(3);
        return (channelsLast ? result.permute(0, 2, 3, 1) : result).contiguous();
    }
}
