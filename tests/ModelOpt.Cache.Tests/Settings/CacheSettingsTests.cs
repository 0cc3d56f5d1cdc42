using ModelOpt.Cache.Settings;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cache.Tests.Settings;

public sealed class CacheSettingsTests
{
    [Theory]
    [InlineData("5GB", 5L << 30)]
    [InlineData("500 mb", 500L << 20)]
    [InlineData("1024", 1024L)]
    [InlineData("1.5KB", 1536L)]
    [InlineData("0", 0L)]
    public void Sizes_read_with_binary_units(string text, long bytes)
        => Assert.Equal(bytes, new CacheSettings().With("cache-size", text, null).SizeLimit);

    [Fact]
    public void Every_setting_reads_its_value()
    {
        var settings = new CacheSettings()
            .With("cache", "False", null)
            .With("local-cache-dir", "/tmp/local", null)
            .With("cache-dir", "/mnt/team", null)
            .With("remote-cache", "http://127.0.0.1:9090/cache", null)
            .With("remote-cache-mode", "read", null)
            .With("remote-cache-token-variable", "CACHE_TOKEN", null)
            .With("cache-signing-key-variable", "CACHE_KEY", null)
            .With("remote-cache-timeout", "2.5", null);

        Assert.Equal(new CacheSettings
        {
            Enabled = false,
            LocalFolder = "/tmp/local",
            SharedFolder = "/mnt/team",
            Remote = new Uri("http://127.0.0.1:9090/cache"),
            RemoteMode = RemoteCacheMode.Read,
            TokenVariable = "CACHE_TOKEN",
            SigningKeyVariable = "CACHE_KEY",
            RemoteTimeout = TimeSpan.FromSeconds(2.5),
        }, settings);
    }

    [Theory]
    [InlineData("cache", "maybe", "ModelOptCache (--cache) = 'maybe': use true or false.")]
    [InlineData("cache-size", "lots", "ModelOptCacheSize (--cache-size) = 'lots'")]
    [InlineData("remote-cache", "ftp://cache", "ModelOptRemoteCache (--remote-cache) = 'ftp://cache'")]
    [InlineData("remote-cache-mode", "Write", "use ReadWrite or Read.")]
    [InlineData("remote-cache-mode", "1", "use ReadWrite or Read.")]
    [InlineData("remote-cache-token-variable", "Bearer abc123", "give the NAME of an environment variable")]
    [InlineData("remote-cache-timeout", "0", "ModelOptRemoteCacheTimeout")]
    public void A_bad_value_is_MOPT0404_naming_the_property(string option, string value, string message)
    {
        var e = Assert.Throws<ModelOptException>(() => new CacheSettings().With(option, value, "/p/app.csproj"));

        Assert.Equal(DiagnosticCode.InvalidCacheSetting, e.Code);
        Assert.Equal("/p/app.csproj", e.FilePath);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_local_folder_is_per_user_and_outside_any_project()
    {
        string folder = CacheSettings.DefaultLocalFolder();

        Assert.True(Path.IsPathRooted(folder));
        Assert.Contains("modelopt", folder, StringComparison.OrdinalIgnoreCase);
    }
}
