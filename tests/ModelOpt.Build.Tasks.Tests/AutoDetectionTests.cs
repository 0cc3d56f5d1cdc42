namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// <c>.onnx</c> files the project already lists (the SDK's None glob, EmbeddedResource, Content or
/// None copied to the output) become optimized models in the same role; the switches turn
/// detection, or the whole package, off.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class AutoDetectionTests(PackageFixture package)
{
    [Fact]
    public void ListedModelsAreEmbeddedOrCopiedOptimizedInTheirPlace()
    {
        var lib = package.CreateConsumer("autodetect");
        byte[] plain = lib.WriteModel("Models/plain.onnx", seed: 41);
        byte[] resource = lib.WriteModel("Models/resource.onnx", seed: 42);
        byte[] content = lib.WriteModel("Models/content.onnx", seed: 43);
        byte[] copied = lib.WriteModel("Models/copied.onnx", seed: 44);
        byte[] excluded = lib.WriteModel("Models/excluded.onnx", seed: 45);
        // The usual ways of listing a file; Include (not Update) leaves each one in the SDK's None glob too, as it does in real projects.
        lib.WriteProject("""
            <ItemGroup>
              <EmbeddedResource Include="Models/resource.onnx" />
              <Content Include="Models/content.onnx" CopyToOutputDirectory="PreserveNewest" />
              <None Update="Models/copied.onnx" CopyToOutputDirectory="Always" />
              <EmbeddedResource Include="Models/excluded.onnx" />
              <ModelOptExclude Include="Models/excluded.onnx" />
            </ItemGroup>
            """);

        var run = lib.Build().AssertSucceeded();

        Assert.Equal(["Models/content.onnx", "Models/copied.onnx", "Models/plain.onnx", "Models/resource.onnx"], run.Log.WorkerModels.Order(StringComparer.Ordinal));
        var outputs = lib.OptimizedOutputs().Keys.ToDictionary(k => k[..k.IndexOf('.', StringComparison.Ordinal)], k => Path.Combine(lib.ModelOptDirectory(), k));
        Assert.Equal(["content", "copied", "plain", "resource"], outputs.Keys.Order(StringComparer.Ordinal));

        // Embedded: the None-glob model and the EmbeddedResource, optimized; the excluded one exactly as it was.
        var resources = lib.Resources();
        Assert.Equal(["Consumer.Models.excluded.onnx", "Consumer.Models.plain.onnx", "Consumer.Models.resource.onnx"], resources.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(outputs["plain"]), resources["Consumer.Models.plain.onnx"]);
        Assert.Equal(File.ReadAllBytes(outputs["resource"]), resources["Consumer.Models.resource.onnx"]);
        Assert.Equal(excluded, resources["Consumer.Models.excluded.onnx"]);
        OrtModel.AssertShrunk(plain, resources["Consumer.Models.plain.onnx"]);
        OrtModel.AssertAgrees(resource, resources["Consumer.Models.resource.onnx"]);

        // Copied: the optimized file, at the original's relative path, and only those two files.
        string binModels = Path.Combine(lib.OutputDirectory(), "Models");
        Assert.Equal(["content.onnx", "copied.onnx"], Directory.EnumerateFiles(binModels).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(File.ReadAllBytes(outputs["content"]), File.ReadAllBytes(Path.Combine(binModels, "content.onnx")));
        Assert.Equal(File.ReadAllBytes(outputs["copied"]), File.ReadAllBytes(Path.Combine(binModels, "copied.onnx")));
        OrtModel.AssertAgrees(content, File.ReadAllBytes(Path.Combine(binModels, "content.onnx")));
        OrtModel.AssertAgrees(copied, File.ReadAllBytes(Path.Combine(binModels, "copied.onnx")));
    }

    [Fact]
    public void TheSwitchesTurnDetectionAndThePackageOff()
    {
        var lib = package.CreateConsumer("switches");
        lib.WriteModel("Models/plain.onnx", seed: 51);
        byte[] resource = lib.WriteModel("Models/resource.onnx", seed: 52);
        lib.WriteModel("Models/explicit.onnx", seed: 53);
        lib.WriteProject("""
            <ItemGroup>
              <EmbeddedResource Include="Models/resource.onnx" />
              <OptimizeModel Include="Models/explicit.onnx" />
            </ItemGroup>
            """);

        // Off: the project builds as if the package were not there.
        var off = lib.Build("-p:ModelOptEnabled=false").AssertSucceeded();
        Assert.Equal(0, off.Log.WorkerRuns);
        Assert.Empty(lib.OptimizedOutputs());
        Assert.Equal(["Consumer.Models.resource.onnx"], lib.Resources().Keys);
        Assert.Equal(resource, lib.Resources()["Consumer.Models.resource.onnx"]);

        // No detection: only the explicit item is optimized; the listed files keep their roles untouched.
        var explicitOnly = lib.Build("-p:ModelOptAutoDetect=false").AssertSucceeded();
        Assert.Equal(["Models/explicit.onnx"], explicitOnly.Log.WorkerModels);
        var resources = lib.Resources();
        Assert.Equal(["Consumer.Models.explicit.onnx", "Consumer.Models.resource.onnx"], resources.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(resource, resources["Consumer.Models.resource.onnx"]);
        Assert.Single(lib.OptimizedOutputs());
    }
}
