using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace ModelOpt.TestUtilities;

/// <summary>
/// Face inputs for a face detector: the only face of <c>tests/data/images</c> (the astronaut's)
/// cut out at six framings, from the face alone to head and shoulders, written as PNG files. In
/// the whole photograph the face is small; in these it fills a 128×128 input as a selfie does.
/// </summary>
public static class FaceCrops
{
    /// <summary>The framings (x, y, width, height) in the 512×512 photograph, tightest first.</summary>
    private static readonly Rectangle[] Framings =
    [
        new(150, 50, 160, 160), new(140, 10, 200, 200), new(120, 20, 220, 220),
        new(90, 0, 280, 280), new(60, 0, 360, 360), new(40, 0, 472, 472),
    ];

    /// <summary>Writes <c>face-0.png</c> … <c>face-5.png</c> into <paramref name="folder"/> (created if needed) and returns it.</summary>
    public static string Write(string folder)
    {
        Directory.CreateDirectory(folder);
        using var photo = Image.Load(Path.Combine(TestData.ImagesFolder, "astronaut.png"));
        for (int i = 0; i < Framings.Length; i++)
        {
            var framing = Framings[i];
            using var face = photo.Clone(x => x.Crop(framing));
            face.SaveAsPng(Path.Combine(folder, $"face-{i}.png"));
        }
        return folder;
    }
}
