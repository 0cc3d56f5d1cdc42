using System.Security.Cryptography;
using System.Text;

namespace ModelOpt.Cache.Keys;

/// <summary>
/// Builds a cache key: one SHA-256 over labelled fields. Each field is framed by its label and
/// its length, so no two different sequences of fields hash alike (<c>("ab","c")</c> is not
/// <c>("a","bc")</c>). Files count by content and data folders by their files' relative names and
/// contents in ordinal order, never by size or time: a clean checkout elsewhere gets the same key.
/// </summary>
public sealed class CacheKeyBuilder : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>Adds a text field.</summary>
    public CacheKeyBuilder Add(string label, string text) => AddBytes(label, Encoding.UTF8.GetBytes(text));

    /// <summary>Adds a file's content (by its digest, streamed).</summary>
    public CacheKeyBuilder AddFile(string label, string path) => Add(label, ContentDigest.OfFile(path));

    /// <summary>
    /// The digest of what <paramref name="path"/> holds: a file's content, or for a folder every
    /// file below it (relative name with '/' separators, then content), in ordinal order of names;
    /// <c>missing</c> when there is nothing (the job reports that itself).
    /// </summary>
    public static string DigestOfPath(string path)
    {
        if (File.Exists(path)) return ContentDigest.OfFile(path);
        if (!Directory.Exists(path)) return "missing";
        using var folder = new CacheKeyBuilder();
        var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Select(f => (Relative: Path.GetRelativePath(path, f).Replace('\\', '/'), Full: f))
            .OrderBy(f => f.Relative, StringComparer.Ordinal);
        foreach (var (relative, full) in files) folder.Add("name", relative).AddFile("content", full);
        return folder.Finish();
    }

    /// <summary>The key: the digest of every field added, in order.</summary>
    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    /// <inheritdoc/>
    public void Dispose() => _hash.Dispose();

    private CacheKeyBuilder AddBytes(string label, byte[] value)
    {
        Span<byte> length = stackalloc byte[8];
        byte[] name = Encoding.UTF8.GetBytes(label);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, name.Length);
        _hash.AppendData(length);
        _hash.AppendData(name);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, value.Length);
        _hash.AppendData(length);
        _hash.AppendData(value);
        return this;
    }
}
