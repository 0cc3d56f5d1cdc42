using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ModelOpt.TestUtilities;

/// <summary>
/// The photographs of <c>tests/data/images</c> as image-model inputs: each
/// center-cropped and resized to a square, as planar RGB floats in [0, 255] (C×H×W), in file-name
/// order; plus one smooth synthetic image, so a test never depends on photographs alone.
/// </summary>
public static class PhotoCrops
{
    /// <summary>Every .png and .jpg of <paramref name="folder"/>, then "synthetic".</summary>
    public static IReadOnlyList<(string Name, float[] Pixels)> Load(string folder, int side)
        => Directory.GetFiles(folder)
            .Where(f => f.EndsWith(".png", StringComparison.Ordinal) || f.EndsWith(".jpg", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), Pixels(f, side)))
            .Append(("synthetic", Smooth(side)))
            .ToList();

    private static float[] Pixels(string path, int side)
    {
        using var image = Image.Load<Rgb24>(path);
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(side, side), Mode = ResizeMode.Crop }));
        var data = new float[3 * side * side];
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                var pixel = image[x, y];
                data[(0 * side * side) + (y * side) + x] = pixel.R;
                data[(1 * side * side) + (y * side) + x] = pixel.G;
                data[(2 * side * side) + (y * side) + x] = pixel.B;
            }
        }
        return data;
    }

    /// <summary>Soft colour gradients and waves in [0, 255]: image-like, unlike white noise.</summary>
    private static float[] Smooth(int side)
    {
        var data = new float[3 * side * side];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++)
                {
                    double v = 0.5 + (0.25 * Math.Sin((x * 0.05) + c)) + (0.25 * Math.Cos((y * 0.031 * (c + 1)) + (x * 0.01)));
                    data[(c * side * side) + (y * side) + x] = (float)(255 * v);
                }
            }
        }
        return data;
    }
}
