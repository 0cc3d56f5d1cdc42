using System.Reflection;

namespace ModelOpt.Build.Tests;

/// <summary>Paths the test project's build recorded: the repository (to pack the package) and the ResNet18 package.</summary>
internal static class TestData
{
    /// <summary>The repository's root folder.</summary>
    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>The pretrained ResNet18 of NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 (64 MB, opset 8).</summary>
    public static string ResNet18Path => Metadata("ResNet18Path");

    private static string Metadata(string key)
        => typeof(TestData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException(key);
}
