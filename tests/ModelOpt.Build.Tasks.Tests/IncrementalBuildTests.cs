namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// Incrementality, on one library taken through the steps a developer goes through: build,
/// build again, touch a model, change an item, remove an item, clean. Each step asserts which
/// models reached the worker (binary log) and which output files changed (timestamps).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class IncrementalBuildTests(PackageFixture package)
{
    [Fact]
    public void OnlyWhatChangedIsOptimizedAgain()
    {
        var lib = package.CreateConsumer("incremental");
        lib.WriteModel("Models/a.onnx", seed: 11);
        lib.WriteModel("Models/b.onnx", seed: 12);
        lib.WriteModel("Models/c.onnx", seed: 13);
        static string Items(string bMetadata, bool withC) => $"""
            <ItemGroup>
              <OptimizeModel Include="Models/a.onnx" />
              <OptimizeModel Include="Models/b.onnx" {bMetadata} />
              {(withC ? "<OptimizeModel Include=\"Models/c.onnx\" />" : "")}
            </ItemGroup>
            """;
        lib.WriteProject(Items("", withC: true));

        var first = lib.Build().AssertSucceeded();
        // One worker process for all the project's models.
        Assert.Equal(1, first.Log.WorkerRuns);
        Assert.Equal(["Models/a.onnx", "Models/b.onnx", "Models/c.onnx"], first.Log.WorkerModels.Order(StringComparer.Ordinal));
        var built = lib.OptimizedOutputs();
        Assert.Equal(3, built.Count);
        string a = OutputOf(built, "a"), b = OutputOf(built, "b"), c = OutputOf(built, "c");
        DateTime assemblyTime = File.GetLastWriteTimeUtc(lib.AssemblyPath());

        // Nothing changed: the up-to-date check agrees, and a real build does no model work at all.
        var question = lib.Build("-question");
        Assert.True(question.Succeeded, "-question found something out of date:\n" + question.Result.Describe());
        var noOp = lib.Build().AssertSucceeded();
        Assert.Equal(0, noOp.Log.WorkerRuns);
        Assert.True(noOp.Log.OnlySkipped("_ModelOptOptimizeCore"));
        Assert.Equal(built, lib.OptimizedOutputs());
        Assert.Equal(assemblyTime, File.GetLastWriteTimeUtc(lib.AssemblyPath()));

        // A touched model is optimized again, alone.
        lib.Touch("Models/a.onnx");
        var touched = lib.Build().AssertSucceeded();
        Assert.Equal(["Models/a.onnx"], touched.Log.WorkerModels);
        var afterTouch = lib.OptimizedOutputs();
        Assert.Equal(built.Keys.Order(), afterTouch.Keys.Order());
        Assert.True(afterTouch[a] > built[a], "the touched model's output was not rewritten");
        Assert.Equal(built[b], afterTouch[b]);
        Assert.Equal(built[c], afterTouch[c]);

        // New metadata on one item: that item gets a new output (new options hash), the old one goes.
        lib.WriteProject(Items("ResourceCompression=\"Brotli\"", withC: true));
        var changed = lib.Build().AssertSucceeded();
        Assert.Equal(["Models/b.onnx"], changed.Log.WorkerModels);
        var afterChange = lib.OptimizedOutputs();
        string newB = OutputOf(afterChange, "b");
        Assert.NotEqual(b, newB);
        Assert.EndsWith(".onnx.br", newB, StringComparison.Ordinal);
        Assert.Equal(new[] { a, c, newB }.Order(StringComparer.Ordinal), afterChange.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(afterTouch[a], afterChange[a]);
        Assert.Equal(afterTouch[c], afterChange[c]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(lib.ModelOptDirectory(), newB)), lib.Resources()["Consumer.Models.b.onnx"]);

        // A removed model leaves neither a resource nor an output file behind, and costs no model
        // work. (The file goes too: left on disk, auto-detection would pick it up as a None item.)
        lib.WriteProject(Items("ResourceCompression=\"Brotli\"", withC: false));
        File.Delete(lib.PathOf("Models/c.onnx"));
        var removed = lib.Build().AssertSucceeded();
        // The worker runs once, for the project report alone (it no longer lists c).
        Assert.Empty(removed.Log.WorkerModels);
        Assert.DoesNotContain("c.onnx", File.ReadAllText(Path.Combine(lib.ModelOptDirectory(), "ModelOpt.project.md")), StringComparison.Ordinal);
        Assert.Equal([a, newB], lib.OptimizedOutputs().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Consumer.Models.a.onnx", "Consumer.Models.b.onnx"], lib.Resources().Keys.Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(lib.ModelOptDirectory(), "c.*"));

        // Clean removes every file the package wrote.
        lib.Clean().AssertSucceeded();
        Assert.Empty(Directory.Exists(lib.ModelOptDirectory()) ? Directory.EnumerateFiles(lib.ModelOptDirectory()) : []);
        Assert.False(File.Exists(lib.AssemblyPath()));
    }

    private static string OutputOf(IReadOnlyDictionary<string, DateTime> outputs, string model)
        => Assert.Single(outputs.Keys, k => k.StartsWith(model + ".", StringComparison.Ordinal));
}
