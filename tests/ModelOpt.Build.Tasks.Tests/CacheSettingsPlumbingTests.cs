using System.Reflection;
using System.Xml.Linq;
using Microsoft.Build.Utilities;
using ModelOpt.Cache.Settings;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// The cache settings reach the worker one way: project property -> OptimizeModels parameter ->
/// response-file line -> <see cref="CacheSettings"/>. Checked against the worker's own list, and
/// never part of the planned output name (they do not change the model).
/// </summary>
public sealed class CacheSettingsPlumbingTests
{
    private static readonly string BuildFolder = Path.Combine(TestData.RepositoryRoot, "src", "ModelOpt.Build.Tasks", "build");

    [Fact]
    public void The_targets_pass_every_cache_property_to_the_task()
    {
        var targets = XDocument.Load(Path.Combine(BuildFolder, "ModelOpt.Build.targets"));
        var task = targets.Descendants("OptimizeModels").Single(e => e.Attribute("Models") is not null);

        // The cache's properties, in order; the task's other properties (tool, distiller, ONNX Runtime folders) are not cache settings.
        var passed = task.Attributes().Select(a => a.Value).Where(v => v.StartsWith("$(ModelOpt", StringComparison.Ordinal) && v.Contains("Cache", StringComparison.Ordinal));

        Assert.Equal(CacheSettings.All.Select(s => $"$({s.Property})"), passed);
    }

    [Fact]
    public void The_response_file_carries_every_cache_setting_as_the_worker_reads_it()
    {
        using var folder = new TempFolder();
        var task = new OptimizeModels
        {
            BuildEngine = new SilentBuildEngine(),
            Models = [new TaskItem(folder.File("m.onnx"))],
            WorkerAssembly = "modelopt.dll",
            ProjectFile = folder.File("app.csproj"),
            Cache = "true",
            CacheSize = "2GB",
            LocalCacheDir = "local",
            CacheDir = "../team cache",
            RemoteCache = "https://cache.example.com/modelopt",
            RemoteCacheMode = "Read",
            RemoteCacheTokenVariable = "CACHE_TOKEN",
            CacheSigningKeyVariable = "CACHE_KEY",
            RemoteCacheTimeout = "10",
        };

        string text = (string)typeof(OptimizeModels).GetMethod("GenerateResponseFileCommands", BindingFlags.NonPublic | BindingFlags.Instance)!.Invoke(task, null)!;
        string[] lines = text.Split('\n');

        Assert.Equal(["build", "--cache-project", folder.File("app.csproj")], lines[..3]);
        var pairs = lines[3..].Chunk(2).TakeWhile(p => p[0] != "--model").ToArray();
        Assert.Equal(CacheSettings.All.Select(s => "--" + s.Option), pairs.Select(p => p[0]));
        var settings = pairs.Aggregate(new CacheSettings(), (s, p) => s.With(p[0][2..], p[1], null));
        Assert.Equal(folder.File("local"), settings.LocalFolder);
        Assert.Equal(Path.GetFullPath(Path.Combine(folder.Path, "..", "team cache")), settings.SharedFolder);
        Assert.Equal(RemoteCacheMode.Read, settings.RemoteMode);
        Assert.Equal(2L << 30, settings.SizeLimit);
    }

    [Fact]
    public void The_props_defaults_are_the_workers_defaults()
    {
        var props = XDocument.Load(Path.Combine(BuildFolder, "ModelOpt.Build.props"));
        string Default(string property) => props.Descendants().Single(e => e.Name.LocalName == property).Value.Trim();

        var defaults = new CacheSettings()
            .With("cache", Default("ModelOptCache"), null)
            .With("cache-size", Default("ModelOptCacheSize"), null)
            .With("remote-cache-mode", Default("ModelOptRemoteCacheMode"), null);

        Assert.Equal(new CacheSettings(), defaults);
    }
}
