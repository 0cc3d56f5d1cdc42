namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// Names that break naive path handling: a project folder with spaces, '@' and non-ASCII
/// letters; model files named likewise; two models with the same file name in different
/// folders; and a file name that looks like a culture-specific resource.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class PathAndNameTests(PackageFixture package)
{
    [Fact]
    public void AwkwardPathsAndNamesGiveDistinctResourcesAndAccessors()
    {
        var app = package.CreateConsumer("an app @ Zürich ñ 模型");
        var originals = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["Consumer.Models.Grüße @ v1.onnx"] = app.WriteModel("Models/Grüße @ v1.onnx", seed: 31),
            ["Consumer.A.model.onnx"] = app.WriteModel("A/model.onnx", seed: 32),
            ["Consumer.B.model.onnx"] = app.WriteModel("B/model.onnx", seed: 33),
            // Without WithCulture=false the SDK would put this one in fr/Consumer.resources.dll.
            ["Consumer.Models.model.fr.onnx"] = app.WriteModel("Models/model.fr.onnx", seed: 34),
        };
        // The models are found by auto-detection (the SDK's None items). The app lists what the
        // generated accessor offers, by reflection, so the test does not depend on naming rules.
        app.WriteProject("", exe: true);
        app.WriteFile("Program.cs", """
            using System.Reflection;
            foreach (var accessor in typeof(Consumer.OptimizedModels).GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
            {
                var name = (string)accessor.GetField("ResourceName")!.GetValue(null)!;
                var bytes = (byte[])accessor.GetMethod("ReadAllBytes")!.Invoke(null, null)!;
                Console.WriteLine($"{accessor.Name}|{name}|{bytes.Length}");
            }
            """);

        app.Build().AssertSucceeded();

        var resources = app.Resources();
        Assert.Equal(originals.Keys.Order(StringComparer.Ordinal), resources.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, original) in originals)
        {
            // Each resource answers like its own source model (the seeds differ), so none was swapped or overwritten.
            OrtModel.AssertAgrees(original, resources[name]);
        }
        Assert.Equal(4, app.OptimizedOutputs().Count);
        Assert.Empty(Directory.EnumerateDirectories(app.OutputDirectory()));
        Assert.False(Directory.Exists(Path.Combine(app.IntermediateDirectory(), "fr")));

        var listed = app.RunApp().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|')).ToArray();
        Assert.Equal(4, listed.Select(l => l[0]).Distinct().Count());
        Assert.Equal(originals.Keys.Order(StringComparer.Ordinal), listed.Select(l => l[1]).Order(StringComparer.Ordinal));
        foreach (string[] line in listed) Assert.Equal(resources[line[1]].Length.ToString(System.Globalization.CultureInfo.InvariantCulture), line[2]);
    }
}
