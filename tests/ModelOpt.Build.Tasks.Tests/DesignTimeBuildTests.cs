namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// An IDE's design-time build (DesignTimeBuild=true, the compiler asked only for its command
/// line) gets the accessor source, so IntelliSense knows <c>OptimizedModels</c>, and never waits
/// for model work.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class DesignTimeBuildTests(PackageFixture package)
{
    [Fact]
    public void DesignTimeBuildsGenerateTheAccessorWithoutRunningTheWorker()
    {
        var lib = package.CreateConsumer("design-time");
        lib.WriteModel("Models/a.onnx", seed: 71);
        lib.WriteProject("");

        // What Visual Studio's and C# Dev Kit's design-time builds set.
        var run = lib.Build("-t:Compile", "-p:DesignTimeBuild=true", "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true").AssertSucceeded();

        Assert.Equal(0, run.Log.WorkerRuns);
        Assert.Empty(lib.OptimizedOutputs());
        string accessor = Path.Combine(lib.ModelOptDirectory(), "OptimizedModels.g.cs");
        Assert.True(File.Exists(accessor), "the accessor source was not generated");
        Assert.Contains("class A", File.ReadAllText(accessor), StringComparison.Ordinal);
        Assert.Contains(accessor.Replace('\\', '/'), run.Log.TaskInputs("Csc", "Sources").Select(s => Path.GetFullPath(s, lib.Directory).Replace('\\', '/')));
    }
}
