using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ModelOpt.Core.Tests.Infrastructure;

/// <summary>
/// Inputs for the CNTK ResNet18: the shared photographs, center-cropped to 224×224, as planar
/// RGB in [0, 255], passed through the package's own preprocessing model (mean subtraction) as
/// ML.NET's featurizer does; plus one smooth synthetic image.
/// </summary>
internal static class ResNetInputs
{
    public const string InputName = "Input247";
    public const int Side = 224;
    public static readonly long[] Shape = [1, 3, Side, Side];

    private static readonly Lazy<IReadOnlyList<(string Name, float[] Data)>> Cached = new(Load);

    /// <summary>Every input, named after its source.</summary>
    public static IReadOnlyList<(string Name, float[] Data)> All => Cached.Value;

    public static FloatInput AsInput(float[] data) => new(InputName, data, Shape);

    private static List<(string, float[])> Load()
    {
        var raw = Directory.GetFiles(TestData.ImagesFolder)
            .Where(f => f.EndsWith(".png", StringComparison.Ordinal) || f.EndsWith(".jpg", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), Pixels(f)))
            .Append(("synthetic", Smooth()))
            .ToList();
        return raw.Select(r => (r.Item1, OrtRunner.Run(TestData.ResNetPreprocessPath, new FloatInput("OriginalInput", r.Item2, Shape))[0])).ToList();
    }

    private static float[] Pixels(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(Side, Side), Mode = ResizeMode.Crop }));
        var data = new float[3 * Side * Side];
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                var pixel = image[x, y];
                data[0 * Side * Side + y * Side + x] = pixel.R;
                data[1 * Side * Side + y * Side + x] = pixel.G;
                data[2 * Side * Side + y * Side + x] = pixel.B;
            }
        }
        return data;
    }

    /// <summary>Soft colour gradients and waves in [0, 255]: image-like, unlike white noise.</summary>
    private static float[] Smooth()
    {
        var data = new float[3 * Side * Side];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < Side; y++)
            {
                for (int x = 0; x < Side; x++)
                {
                    double v = 0.5 + 0.25 * Math.Sin(x * 0.05 + c) + 0.25 * Math.Cos(y * 0.031 * (c + 1) + x * 0.01);
                    data[c * Side * Side + y * Side + x] = (float)(255 * v);
                }
            }
        }
        return data;
    }
}
