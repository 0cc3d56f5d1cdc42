using System.Reflection;

namespace ModelOpt.Core.Tests.Infrastructure;

/// <summary>Where the tests' real data lives: the ResNet18 package and the shared photographs.</summary>
internal static class TestData
{
    /// <summary>The pretrained ResNet18 of NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 (CNTK, opset 8).</summary>
    public static string ResNet18Path => Metadata("ResNet18Path");

    /// <summary>The same package's preprocessing model (mean subtraction) that ML.NET runs before ResNet18.</summary>
    public static string ResNetPreprocessPath
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ResNet18Path)!, "..", "ResNetPrepOnnx", "ResNetPreprocess.onnx"));

    /// <summary>Photographs shared by the project's tests (public domain, from scikit-image).</summary>
    public static string ImagesFolder => Path.GetFullPath(Path.Combine(Metadata("RepositoryRoot"), "..", "shared", "datasets", "images"));

    private static string Metadata(string key)
        => typeof(TestData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException(key);
}
