namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// The team cache end to end, with a real HTTP cache server (nginx with WebDAV, on 127.0.0.1)
/// and real consumer builds: project A computes and uploads; project B, another checkout in
/// another folder with an empty local cache, downloads and does no model work, byte-identical;
/// a corrupt blob on the server is detected and recomputed; a server that is down costs one
/// warning. Two clean builds without a cache give identical models and reports.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RemoteCacheBuildTests(PackageFixture package)
{
    private const string TokenVariable = "MODELOPT_E2E_CACHE_TOKEN";
    private const string Token = "e2e-secret-token";

    private static readonly Dictionary<string, string> WithToken = new() { [TokenVariable] = Token };

    private ConsumerProject Checkout(string name, string remote, string localCache, string cache = "true", string more = "")
    {
        var project = package.CreateConsumer(name);
        project.WriteModel("Models/dense.onnx", seed: 21);
        project.WriteProject($"""
            <PropertyGroup>
              <ModelOptCache>{cache}</ModelOptCache>
              <ModelOptLocalCacheDir>{localCache}</ModelOptLocalCacheDir>
              <ModelOptRemoteCache>{remote}</ModelOptRemoteCache>
              <ModelOptRemoteCacheTokenVariable>{TokenVariable}</ModelOptRemoteCacheTokenVariable>
              {more}
            </PropertyGroup>
            <ItemGroup>
              <OptimizeModel Include="Models/dense.onnx" LatencyRuns="0" />
            </ItemGroup>
            """);
        return project;
    }

    private static string Single(string folder, string pattern) => Assert.Single(Directory.GetFiles(folder, pattern));

    [Fact]
    public void A_second_checkout_downloads_the_model_and_does_no_model_work()
    {
        using var server = new NginxCacheServer(token: Token);
        using var caches = new TempFolder();
        string remote = server.BaseUri.AbsoluteUri;

        // A: computes, uploads (with the bearer token from the environment, never from the project).
        var a = Checkout("cache-a", remote, caches.File("local-a"));
        var first = a.BuildWith(WithToken).AssertSucceeded();
        Assert.Matches(@"dense\.onnx: .*, computed in [0-9.]+ s; report:", first.Result.Output);
        var requests = server.Requests(atLeast: 3);
        Assert.Contains(requests, r => r.StartsWith("PUT /ac/", StringComparison.Ordinal) && r.Contains(" 201 ", StringComparison.Ordinal));
        Assert.All(requests, r => Assert.EndsWith($"\"Bearer {Token}\"", r, StringComparison.Ordinal));
        Assert.DoesNotContain(Token, File.ReadAllText(a.ProjectFile), StringComparison.Ordinal);

        // B: another folder, an empty local cache: the worker downloads, and runs no model work.
        var b = Checkout("cache-b", remote, caches.File("local-b"));
        var second = b.BuildWith(WithToken).AssertSucceeded();
        Assert.Matches(@"dense\.onnx: .*, from the remote cache in [0-9.]+ s; report:", second.Result.Output);
        var work = second.Log.WorkerMessages;
        Assert.Contains(work, m => m.Contains("cache: remote hit, key ", StringComparison.Ordinal));
        Assert.DoesNotContain(work, m => m.Contains("progress:", StringComparison.Ordinal) || m.TrimStart().StartsWith("load:", StringComparison.Ordinal));
        string outputA = Single(a.ModelOptDirectory(), "dense.*.onnx"), outputB = Single(b.ModelOptDirectory(), "dense.*.onnx");
        Assert.Equal(File.ReadAllBytes(outputA), File.ReadAllBytes(outputB));
        Assert.Equal(a.Resources(), b.Resources());
        AssertSameReports(a, b);
        Assert.Contains(server.Requests(), r => r.StartsWith("GET /cas/", StringComparison.Ordinal) && r.Contains(" 200 ", StringComparison.Ordinal));

        // dotnet clean removes the project's outputs, never a cache tier.
        b.Clean().AssertSucceeded();
        Assert.Empty(b.OptimizedOutputs());
        Assert.NotEmpty(Directory.GetFiles(caches.File("local-b"), "*", SearchOption.AllDirectories));

        // A corrupt model blob on the server: a warning, computed again identically, uploaded again.
        string blob = Assert.Single(server.ContentFiles(), f => new FileInfo(f).Length == new FileInfo(outputA).Length);
        byte[] good = File.ReadAllBytes(blob);
        File.WriteAllBytes(blob, [.. good[..^8], 0, 0, 0, 0, 0, 0, 0, 0]);
        var d = Checkout("cache-d", remote, caches.File("local-d"));
        var repaired = d.BuildWith(WithToken).AssertSucceeded();
        Assert.Contains(repaired.Result.Diagnostics, w => w.Code == "MOPT0400" && w.Text.Contains($"remote cache {remote}", StringComparison.Ordinal));
        Assert.Matches(@"dense\.onnx: .*, computed in [0-9.]+ s; report:", repaired.Result.Output);
        Assert.Equal(File.ReadAllBytes(outputA), File.ReadAllBytes(Single(d.ModelOptDirectory(), "dense.*.onnx")));
        Assert.Equal(good, File.ReadAllBytes(blob));
    }

    [Fact]
    public void Two_clean_builds_in_different_folders_give_identical_models_and_reports_and_a_cache_that_is_down_costs_one_warning()
    {
        using var caches = new TempFolder();
        string down = $"http://127.0.0.1:{NginxCacheServer.FreePort()}/";
        var one = Checkout("clean-one", down, caches.File("local-one"), more: "<ModelOptRemoteCacheTimeout>5</ModelOptRemoteCacheTimeout>");
        var two = Checkout("clean-two", down, caches.File("unused"), cache: "false");

        var first = one.BuildWith(WithToken).AssertSucceeded();
        two.Build().AssertSucceeded();

        var warning = Assert.Single(first.Result.Diagnostics, w => w.Code == "MOPT0401");
        Assert.Equal("warning", warning.Kind);
        Assert.Contains($"the remote cache {down} cannot be used", warning.Text, StringComparison.Ordinal);
        Assert.Matches(@"dense\.onnx: .*, computed in [0-9.]+ s; report:", first.Result.Output);
        Assert.False(Directory.Exists(caches.File("unused")));
        string outputOne = Single(one.ModelOptDirectory(), "dense.*.onnx"), outputTwo = Single(two.ModelOptDirectory(), "dense.*.onnx");
        Assert.Equal(File.ReadAllBytes(outputOne), File.ReadAllBytes(outputTwo));
        // The cache settings differ between the two projects and never change the model, so not its planned name either.
        Assert.Equal(Path.GetFileName(outputOne), Path.GetFileName(outputTwo));
        AssertSameReports(one, two);
    }

    /// <summary>The two builds' reports are byte-identical once their folders, durations and the model's source are taken out (<see cref="ComparableReport"/>).</summary>
    private static void AssertSameReports(ConsumerProject a, ConsumerProject b)
    {
        foreach (string pattern in new[] { "dense.*.report.json", "dense.*.report.md", "dense.*.report.html", "ModelOpt.project.md" })
        {
            Assert.Equal(
                ComparableReport.Normalize(File.ReadAllText(Single(a.ModelOptDirectory(), pattern)), a.Directory),
                ComparableReport.Normalize(File.ReadAllText(Single(b.ModelOptDirectory(), pattern)), b.Directory));
        }
    }
}
