using System.Text.RegularExpressions;
using ModelOpt.Engine.Distillation;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Distillation.Tests.Packaging;

/// <summary>
/// The opt-in package: the worker finds the distiller only where it is told, says which package
/// to add when it is missing, and the package's targets name the TorchSharp and LibTorch versions
/// the distiller is built against (they are folder names in the user's NuGet folder).
/// </summary>
public sealed partial class DistillationPackageTests
{
    [Fact]
    public void A_folder_without_the_distiller_is_MOPT0340_naming_the_package()
    {
        using var empty = new TempFolder();

        var e = Assert.Throws<ModelOptException>(() => DistillerLoader.Load(empty.Path, null, "/p/app.csproj", "OptimizeModel 'm.onnx'"));

        Assert.Equal(DiagnosticCode.DistillationPackageMissing, e.Code);
        Assert.Equal("/p/app.csproj", e.FilePath);
        Assert.Contains("<PackageReference Include=\"ModelOpt.Build.Distillation\"", e.Message, StringComparison.Ordinal);
        Assert.Contains(empty.Path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_worker_folder_distiller_is_found_and_is_the_TorchSharp_one()
    {
        var distiller = DistillerLoader.Load(AppContext.BaseDirectory, null, null, "m.onnx");

        Assert.IsType<ModelOpt.Distillation.Training.TorchDistiller>(distiller);
    }

    [Fact]
    public void The_package_names_the_versions_the_distiller_is_built_against()
    {
        string root = TestData.RepositoryRoot;
        string pinned = PinnedVersion().Match(File.ReadAllText(Path.Combine(root, "Directory.Packages.props"))).Groups[1].Value;
        string targets = File.ReadAllText(Path.Combine(root, "src", "ModelOpt.Build.Distillation", "build", "ModelOpt.Build.Distillation.targets"));
        string project = File.ReadAllText(Path.Combine(root, "src", "ModelOpt.Build.Distillation", "ModelOpt.Build.Distillation.csproj"));

        Assert.Equal("0.107.0", pinned);
        Assert.Contains($"torchsharp/{pinned}/runtimes/", targets, StringComparison.Ordinal);
        Assert.Contains($"<_ModelOptTorchSharpVersion>{pinned}</_ModelOptTorchSharpVersion>", project, StringComparison.Ordinal);
        // LibTorch's version is TorchSharp-cpu's own dependency; the assembly of the restored package says it.
        Assert.Contains("libtorch-cpu-$(_ModelOptTorchRid)/2.10.0/", targets, StringComparison.Ordinal);
        Assert.Equal(new Version(0, 107, 0, 0), typeof(TorchSharp.torch).Assembly.GetName().Version);
    }

    [GeneratedRegex("<PackageVersion Include=\"TorchSharp-cpu\" Version=\"([^\"]+)\"")]
    private static partial Regex PinnedVersion();
}
