using ModelOpt.TestModels;

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
        => PhotoCrops.Load(TestData.ImagesFolder, Side)
            .Select(r => (r.Name, OrtRunner.Run(TestData.ResNetPreprocessPath, new FloatInput("OriginalInput", r.Pixels, Shape))[0]))
            .ToList();
}
