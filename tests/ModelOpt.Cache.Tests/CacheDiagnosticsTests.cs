using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cache.Tests;

public sealed class CacheDiagnosticsTests
{
    /// <summary>Users look the codes up: each of the cache's codes has its row in docs/diagnostics.md and in docs/caching.md.</summary>
    [Theory]
    [InlineData(DiagnosticCode.CacheEntryCorrupt)]
    [InlineData(DiagnosticCode.CacheTierUnavailable)]
    [InlineData(DiagnosticCode.CacheEntryNotSigned)]
    [InlineData(DiagnosticCode.CacheSecretMissing)]
    [InlineData(DiagnosticCode.InvalidCacheSetting)]
    public void Every_cache_code_is_documented(string code)
    {
        foreach (string doc in new[] { "diagnostics.md", "caching.md" })
        {
            string text = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docs", doc));
            Assert.Contains($"| {code} |", text, StringComparison.Ordinal);
        }
    }
}
