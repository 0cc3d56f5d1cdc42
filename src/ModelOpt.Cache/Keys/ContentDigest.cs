using System.Security.Cryptography;

namespace ModelOpt.Cache.Keys;

/// <summary>SHA-256 digests as the cache names them: 64 lowercase hexadecimal characters.</summary>
public static class ContentDigest
{
    /// <summary>The digest of <paramref name="bytes"/>.</summary>
    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The digest of a file's content, streamed (models may be gigabytes).</summary>
    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a digest. Every name that reaches a path or a URL is
    /// checked first, so an entry can never name a file outside the cache (<c>../</c>).
    /// </summary>
    public static bool IsDigest(string? name)
        => name is { Length: 64 } && name.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
