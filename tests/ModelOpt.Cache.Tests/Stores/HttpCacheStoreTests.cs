using System.Diagnostics;
using ModelOpt.Cache.Keys;
using ModelOpt.Cache.Settings;
using ModelOpt.Cache.Stores;
using static ModelOpt.Cache.Tests.CacheFixtures;

namespace ModelOpt.Cache.Tests.Stores;

/// <summary>The remote tier against a real HTTP cache server: nginx with WebDAV PUT, on 127.0.0.1.</summary>
public sealed class HttpCacheStoreTests
{
    private const string Project = "/src/app/app.csproj";

    private static ModelCache Remote(Uri uri, RemoteCacheMode mode = RemoteCacheMode.ReadWrite, string? tokenVariable = null, TextWriter? log = null, string? local = null)
    {
        var settings = new CacheSettings { SizeLimit = local is null ? 0 : 1 << 30, LocalFolder = local, Remote = uri, RemoteMode = mode, TokenVariable = tokenVariable, RemoteTimeout = TimeSpan.FromSeconds(5) };
        return ModelCache.Open(settings, log ?? TextWriter.Null, Project)!;
    }

    [Fact]
    public void What_one_build_puts_another_gets_over_Bazels_protocol()
    {
        using var server = new NginxCacheServer();
        var outputs = Outputs();
        using (var writer = Remote(server.BaseUri)) writer.Store(Key(), ToolVersion, outputs, [], Project);

        using var folder = new TempFolder();
        using var reader = Remote(server.BaseUri, local: folder.Path);
        var hit = reader.Lookup(Key(), Project);

        AssertHit(hit, outputs);
        Assert.Equal(CacheTier.Remote, hit!.Tier);
        string model = ContentDigest.Of(outputs[0].Value), report = ContentDigest.Of(outputs[1].Value);
        Assert.Equal(
            [$"PUT /cas/{model} 201", $"PUT /cas/{report} 201", $"PUT /ac/{Key()} 201", $"GET /ac/{Key()} 200", $"GET /cas/{model} 200", $"GET /cas/{report} 200"],
            server.Requests(atLeast: 6).Select(r => string.Join(' ', r.Split(' ')[..3])));
        // The hit filled the local folder: the next lookup asks no server.
        using var offline = new ModelCache([new FolderCacheStore(CacheTier.Local, folder.Path, 1 << 30)], null, TextWriter.Null);
        Assert.Equal(CacheTier.Local, offline.Lookup(Key(), Project)!.Tier);
        Assert.Null(reader.Lookup(Key("unknown"), Project));
        Assert.EndsWith($"GET /ac/{Key("unknown")} 404 \"-\"", server.Requests(atLeast: 7)[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_blob_on_the_server_is_detected_and_the_recomputed_one_replaces_it()
    {
        using var server = new NginxCacheServer();
        var outputs = Outputs();
        var log = new StringWriter();
        using var cache = Remote(server.BaseUri, log: log);
        cache.Store(Key(), ToolVersion, outputs, [], Project);
        string blob = server.ContentPath(ContentDigest.Of(outputs[0].Value));
        byte[] bytes = File.ReadAllBytes(blob);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(blob, bytes);

        Assert.Null(cache.Lookup(Key(), Project));
        Assert.Single(Warnings(log, "MOPT0400"));

        cache.Store(Key(), ToolVersion, outputs, [], Project);
        AssertHit(cache.Lookup(Key(), Project), outputs);
        Assert.Equal(outputs[0].Value, File.ReadAllBytes(blob));
    }

    [Fact]
    public void Read_mode_never_uploads()
    {
        using var server = new NginxCacheServer();
        using var cache = Remote(server.BaseUri, RemoteCacheMode.Read);

        cache.Store(Key(), ToolVersion, Outputs(), [], Project);
        Assert.Null(cache.Lookup(Key(), Project));

        Assert.DoesNotContain(server.Requests(atLeast: 1), r => r.StartsWith("PUT", StringComparison.Ordinal));
        Assert.Empty(server.ContentFiles());
    }

    [Fact]
    public void A_server_that_is_down_costs_one_warning_and_is_asked_once()
    {
        var log = new StringWriter();
        var clock = Stopwatch.StartNew();
        using var cache = Remote(new Uri($"http://127.0.0.1:{NginxCacheServer.FreePort()}/"), log: log);

        for (int job = 0; job < 5; job++)
        {
            Assert.Null(cache.Lookup(Key($"job{job}"), Project));
            cache.Store(Key($"job{job}"), ToolVersion, Outputs(job), [], Project);
        }

        var warning = Assert.Single(Warnings(log, "MOPT0401"));
        Assert.Contains("remote cache http://127.0.0.1:", warning, StringComparison.Ordinal);
        Assert.Contains("failed after 3 attempts", warning, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"a cache that is down took {clock.Elapsed}");
    }

    [Fact]
    public void The_token_goes_in_a_bearer_header_read_from_the_variable_the_settings_name()
    {
        using var server = new NginxCacheServer(token: "s3cret-token");
        string variable = "MODELOPT_TEST_TOKEN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "s3cret-token");
        var outputs = Outputs();
        var log = new StringWriter();
        using (var cache = Remote(server.BaseUri, tokenVariable: variable, log: log))
        {
            cache.Store(Key(), ToolVersion, outputs, [], Project);
            AssertHit(cache.Lookup(Key(), Project), outputs);
        }
        Assert.Equal("", log.ToString());
        Assert.All(server.Requests(atLeast: 6), r => Assert.EndsWith("\"Bearer s3cret-token\"", r, StringComparison.Ordinal));

        // Without the token the server refuses: one warning that says what to check.
        using var anonymous = Remote(server.BaseUri, log: log);
        Assert.Null(anonymous.Lookup(Key(), Project));
        var warning = Assert.Single(Warnings(log, "MOPT0401"));
        Assert.Contains("answered 401", warning, StringComparison.Ordinal);
        Assert.Contains("ModelOptRemoteCacheTokenVariable", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-token", log.ToString(), StringComparison.Ordinal);
    }
}
