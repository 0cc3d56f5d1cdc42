using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ModelOpt.Core.Tests.Static;

/// <summary>
/// Several 224×224 crops of every shared photograph, preprocessed by the package's
/// ResNetPreprocess.onnx: the image is scaled so its shorter side is 256 or 320 and cut at the
/// centre and at two corners per scale. Crops with an even index calibrate, odd ones validate,
/// so the two sets never share a crop (they do share images, as a real calibration set shares
/// the distribution of the data it is used on).
/// </summary>
internal static class ResNetCrops
{
    private static readonly Lazy<IReadOnlyList<(string Name, float[] Data)>> Cached = new(Load);

    public static IReadOnlyList<(string Name, float[] Data)> Calibration => Cached.Value.Where((_, i) => i % 2 == 0).ToArray();

    public static IReadOnlyList<(string Name, float[] Data)> Validation => Cached.Value.Where((_, i) => i % 2 == 1).ToArray();

    private static List<(string, float[])> Load()
    {
        var crops = new List<(string, float[])>();
        foreach (string file in Directory.GetFiles(TestData.ImagesFolder)
            .Where(f => f.EndsWith(".png", StringComparison.Ordinal) || f.EndsWith(".jpg", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal))
        {
            using var original = Image.Load<Rgb24>(file);
            foreach (int shorter in new[] { 256, 320 })
            {
                using var scaled = original.Clone(x => x.Resize(new ResizeOptions { Size = new Size(shorter, shorter), Mode = ResizeMode.Min }));
                int right = scaled.Width - ResNetInputs.Side, bottom = scaled.Height - ResNetInputs.Side;
                // Alternating positions, so each scale gives calibration and validation crops from different parts of the image.
                (string Where, int X, int Y)[] windows = shorter == 256
                    ? [("top-left", 0, 0), ("centre", right / 2, bottom / 2), ("bottom-right", right, bottom)]
                    : [("top-right", right, 0), ("bottom-left", 0, bottom), ("centre", right / 2, bottom / 2)];
                foreach (var (where, x, y) in windows)
                {
                    var pixels = Pixels(scaled, x, y);
                    var data = OrtRunner.Run(TestData.ResNetPreprocessPath, new FloatInput("OriginalInput", pixels, ResNetInputs.Shape))[0];
                    crops.Add(($"{Path.GetFileName(file)}@{shorter}/{where}", data));
                }
            }
        }
        return crops;
    }

    /// <summary>Planar RGB in [0, 255] of the 224×224 window at (left, top).</summary>
    private static float[] Pixels(Image<Rgb24> image, int left, int top)
    {
        const int side = ResNetInputs.Side;
        var data = new float[3 * side * side];
        for (int y = 0; y < side; y++)
        {
            for (int x = 0; x < side; x++)
            {
                var pixel = image[left + x, top + y];
                data[0 * side * side + y * side + x] = pixel.R;
                data[1 * side * side + y * side + x] = pixel.G;
                data[2 * side * side + y * side + x] = pixel.B;
            }
        }
        return data;
    }
}
