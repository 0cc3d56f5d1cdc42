using ModelOpt.Cache.Keys;

namespace ModelOpt.Cache.Tests;

/// <summary>A key and a job's outputs, as the engine stores them.</summary>
internal static class CacheFixtures
{
    public const string ToolVersion = "test";

    public static string Key(string seed = "job") => ContentDigest.Of(System.Text.Encoding.UTF8.GetBytes(seed));

    public static KeyValuePair<string, byte[]>[] Outputs(int seed = 1)
    {
        var random = new Random(seed);
        byte[] model = new byte[4096], report = new byte[512];
        random.NextBytes(model);
        random.NextBytes(report);
        return [new("model", model), new("report", report)];
    }

    public static void AssertHit(CacheHit? hit, KeyValuePair<string, byte[]>[] outputs)
    {
        Assert.NotNull(hit);
        foreach (var (name, bytes) in outputs) Assert.Equal(bytes, hit.Outputs[name]);
    }

    /// <summary>The warnings (canonical MSBuild lines) in <paramref name="log"/>, by code.</summary>
    public static string[] Warnings(StringWriter log, string code)
        => log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains($"warning {code}:", StringComparison.Ordinal)).ToArray();
}
