
namespace ModelOpt.TestUtilities;

/// <summary>
/// Inputs for the CNTK ResNet18: the shared photographs, center-cropped to 224×224, as planar
/// RGB in [0, 255], passed through the package's own preprocessing model (mean subtraction) as
/// ML.NET's featurizer does; plus one smooth synthetic image.
/// </summary>
public static class ResNetInputs
{
    /// <summary>ResNet18's input.</summary>
    public const string InputName = "Input247";
    /// <summary>The side of the square input image.</summary>
    public const int Side = 224;
    /// <summary>The input's shape.</summary>
    public static readonly long[] Shape = [1, 3, Side, Side];

    private static readonly Lazy<IReadOnlyList<(string Name, float[] Data)>> Cached = new(Load);

    /// <summary>Every input, named after its source.</summary>
    public static IReadOnlyList<(string Name, float[] Data)> All => Cached.Value;

    /// <summary>One input as ResNet18 takes it.</summary>
    public static FloatInput AsInput(float[] data) => new(InputName, data, Shape);

    /// <summary>Writes every input as <c>&lt;source&gt;.npy</c> into <paramref name="folder"/> (created), as CalibrationData/ValidationData.</summary>
    public static string WriteNpyFiles(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, data) in All) SampleFiles.NpyFloats(Path.Combine(folder, Path.GetFileNameWithoutExtension(name) + ".npy"), Shape, data);
        return folder;
    }

    private static List<(string, float[])> Load()
        => PhotoCrops.Load(TestData.ImagesFolder, Side)
            .Select(r => (r.Name, OrtRunner.Run(TestData.ResNetPreprocessPath, new FloatInput("OriginalInput", r.Pixels, Shape))[0]))
            .ToList();
}
