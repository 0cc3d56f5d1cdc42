using System.Reflection;

namespace ModelOpt.Onnx.Tests;

/// <summary>Where the tests' real data lives: the ONNX backend suite, the ResNet18 package, scratch folders.</summary>
internal static class TestData
{
    /// <summary>ONNX's backend test suite as installed by Debian's libonnx-testdata (see .ci/run).</summary>
    public const string OnnxBackendSuite = "/usr/share/libonnx-testdata/data";

    /// <summary>The pretrained ResNet18 of NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18.</summary>
    public static string ResNet18Path => Metadata("ResNet18Path");

    /// <summary>The repository's root folder.</summary>
    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>A new empty folder for one test, deleted by the returned handle.</summary>
    public static TempFolder CreateTempFolder() => new();

    private static string Metadata(string key)
        => typeof(TestData).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException(key);
}

/// <summary>A scratch folder under the system temp folder, removed on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "modelopt-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover scratch folder is harmless; never fail a test over it.
        }
    }
}
