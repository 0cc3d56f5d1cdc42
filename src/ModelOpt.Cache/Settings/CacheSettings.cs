using System.Globalization;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cache.Settings;

/// <summary>
/// Where a build looks for optimized models before computing them, and where it stores them.
/// These settings never change a model, so they are not part of the options hash or the cache
/// key. Secrets (the bearer token, the signing key) are never settings themselves: the settings
/// name environment variables that hold them, so they stay out of project files and logs.
/// </summary>
public sealed record CacheSettings
{
    /// <summary>The local tier's default size limit: 5 GiB.</summary>
    public const long DefaultSizeLimit = 5L << 30;

    /// <summary>False turns every tier off (<c>ModelOptCache=false</c>, <c>--no-cache</c>).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The per-user folder; null for the default (<see cref="DefaultLocalFolder"/>).</summary>
    public string? LocalFolder { get; init; }

    /// <summary>The per-user folder's size limit in bytes; 0 turns the local tier off.</summary>
    public long SizeLimit { get; init; } = DefaultSizeLimit;

    /// <summary>The team's shared folder, or null.</summary>
    public string? SharedFolder { get; init; }

    /// <summary>The remote HTTP cache's base URL, or null.</summary>
    public Uri? Remote { get; init; }

    /// <summary>Whether this build uploads to the remote cache.</summary>
    public RemoteCacheMode RemoteMode { get; init; } = RemoteCacheMode.ReadWrite;

    /// <summary>The environment variable that holds the remote cache's bearer token, or null for none.</summary>
    public string? TokenVariable { get; init; }

    /// <summary>The environment variable that holds the key manifests are signed and checked with, or null for unsigned entries.</summary>
    public string? SigningKeyVariable { get; init; }

    /// <summary>How long one request to the remote cache may take.</summary>
    public TimeSpan RemoteTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Every setting, in the order of the help page and of response files.</summary>
    public static IReadOnlyList<CacheSetting> All { get; } =
    [
        new("cache", "ModelOptCache", "true|false", "look optimized models up in the cache tiers and store them there [true]"),
        new("cache-size", "ModelOptCacheSize", "bytes|500MB|5GB", "the per-user folder's size limit; least recently used entries go first; 0 turns it off [5GB]"),
        new("local-cache-dir", "ModelOptLocalCacheDir", "path", $"the per-user folder [{DefaultLocalFolder()}]"),
        new("cache-dir", "ModelOptCacheDir", "path", "a folder the team shares (network file systems are fine)"),
        new("remote-cache", "ModelOptRemoteCache", "url", "an HTTP cache speaking Bazel's protocol (GET/PUT /ac/<key>, /cas/<sha256>)"),
        new("remote-cache-mode", "ModelOptRemoteCacheMode", "ReadWrite|Read", "Read never uploads [ReadWrite]"),
        new("remote-cache-token-variable", "ModelOptRemoteCacheTokenVariable", "NAME", "the environment variable holding the remote cache's bearer token"),
        new("cache-signing-key-variable", "ModelOptCacheSigningKeyVariable", "NAME", "the environment variable holding the key entries are HMAC-signed with; unsigned entries are then ignored"),
        new("remote-cache-timeout", "ModelOptRemoteCacheTimeout", "seconds", "how long one request to the remote cache may take [30]"),
    ];

    /// <summary>Whether <paramref name="option"/> (without dashes) is a cache setting.</summary>
    public static bool IsSetting(string option) => All.Any(s => s.Option == option);

    /// <summary>
    /// These settings with <paramref name="option"/> set to <paramref name="value"/>; a bad value
    /// is MOPT0404 at <paramref name="where"/> naming the MSBuild property and the option.
    /// </summary>
    public CacheSettings With(string option, string value, string? where)
    {
        value = value.Trim();
        var setting = All.FirstOrDefault(s => s.Option == option) ?? throw new ArgumentException($"'{option}' is not a cache setting.", nameof(option));
        ModelOptException Bad(string why) => new(DiagnosticCode.InvalidCacheSetting, where,
            $"{setting.Property} (--{setting.Option}) = '{value}': {why}");
        switch (option)
        {
            case "cache":
                return bool.TryParse(value, out bool enabled) ? this with { Enabled = enabled } : throw Bad("use true or false.");
            case "cache-size":
                return ParseSize(value) is long size ? this with { SizeLimit = size } : throw Bad("use a number of bytes, optionally with KB, MB, GB or TB (powers of 1024), e.g. 5GB.");
            case "local-cache-dir":
                return this with { LocalFolder = NonEmpty(value, Bad) };
            case "cache-dir":
                return this with { SharedFolder = NonEmpty(value, Bad) };
            case "remote-cache":
                return Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Query.Length == 0
                    ? this with { Remote = uri }
                    : throw Bad("use an http:// or https:// URL without a query, e.g. https://cache.example.com/modelopt.");
            case "remote-cache-mode":
                return Enum.TryParse<RemoteCacheMode>(value, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !int.TryParse(value, out _)
                    ? this with { RemoteMode = mode }
                    : throw Bad("use ReadWrite or Read.");
            case "remote-cache-token-variable":
                return this with { TokenVariable = VariableName(value, Bad) };
            case "cache-signing-key-variable":
                return this with { SigningKeyVariable = VariableName(value, Bad) };
            default: // remote-cache-timeout
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds <= 3600
                    ? this with { RemoteTimeout = TimeSpan.FromSeconds(seconds) }
                    : throw Bad("use a number of seconds between 0 and 3600.");
        }
    }

    /// <summary>
    /// The per-user folder when none is set: <c>$XDG_CACHE_HOME/modelopt</c> or
    /// <c>~/.cache/modelopt</c> on Linux, <c>~/Library/Caches/ModelOpt</c> on macOS,
    /// <c>%LOCALAPPDATA%\ModelOpt\cache</c> on Windows. Outside every project, so
    /// <c>dotnet clean</c> never removes it.
    /// </summary>
    public static string DefaultLocalFolder()
    {
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "ModelOpt", "cache");
        }
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsMacOS()) return Path.Combine(home, "Library", "Caches", "ModelOpt");
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        return Path.Combine(string.IsNullOrEmpty(xdg) || !Path.IsPathRooted(xdg) ? Path.Combine(home, ".cache") : xdg, "modelopt");
    }

    /// <summary>"5GB", "500 MB", "1024": bytes (powers of 1024); null when the text is none of these.</summary>
    internal static long? ParseSize(string text)
    {
        text = text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
        (string Suffix, int Shift)[] units = [("TB", 40), ("GB", 30), ("MB", 20), ("KB", 10), ("B", 0)];
        int shift = 0;
        foreach (var (suffix, bits) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal))
            {
                text = text[..^suffix.Length];
                shift = bits;
                break;
            }
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || number < 0 || double.IsInfinity(number)) return null;
        double bytes = number * Math.Pow(2, shift);
        return bytes >= long.MaxValue ? null : (long)bytes;
    }

    private static string NonEmpty(string value, Func<string, ModelOptException> bad)
        => value.Length > 0 ? value : throw bad("give a folder.");

    private static string VariableName(string value, Func<string, ModelOptException> bad)
        => value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !char.IsAsciiDigit(value[0])
            ? value
            : throw bad("give the NAME of an environment variable (letters, digits, '_'), not its value: secrets never go in project files.");
}
