using ModelOpt.Cache.Keys;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Cache.Stores;

/// <summary>
/// A cache tier in a folder: <c>ac/&lt;key&gt;</c> and <c>cas/&lt;first two&gt;/&lt;digest&gt;</c>.
/// Every write goes to a temporary file in the entry's folder and is renamed over the entry
/// (<see cref="AtomicFile"/>): rename is atomic on local and network file systems (NFS, SMB), so a
/// killed writer leaves at most a temporary file, which no reader opens, and two writers of the
/// same entry (equal content: names are digests) simply replace each other. With a size limit
/// (the per-user tier) reads mark entries as used and <see cref="Trim"/> evicts the least
/// recently used.
/// </summary>
public sealed class FolderCacheStore : ICacheStore
{
    // Eviction goes below the limit, so the next few writes do not each trigger a scan.
    private const double TrimTarget = 0.8;

    // A temporary file this old belongs to a writer that was killed.
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    private readonly long _sizeLimit;
    private readonly Func<Stream, Stream>? _wrapWrites;

    /// <summary>A tier in <paramref name="root"/>; <paramref name="sizeLimit"/> in bytes, 0 for none.</summary>
    public FolderCacheStore(CacheTier tier, string root, long sizeLimit = 0)
        : this(tier, root, sizeLimit, null)
    {
    }

    /// <summary>For fault-injection tests: <paramref name="wrapWrites"/> wraps the stream each entry is written through.</summary>
    internal FolderCacheStore(CacheTier tier, string root, long sizeLimit, Func<Stream, Stream>? wrapWrites)
    {
        Tier = tier;
        Root = Path.GetFullPath(root);
        _sizeLimit = sizeLimit;
        _wrapWrites = wrapWrites;
    }

    /// <inheritdoc/>
    public CacheTier Tier { get; }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public string Location => Root;

    /// <inheritdoc/>
    public bool CanWrite => true;

    /// <summary>Where the entry lives.</summary>
    public string PathOf(CacheArea area, string name)
    {
        if (!ContentDigest.IsDigest(name)) throw new ArgumentException($"'{name}' is not a SHA-256 digest.", nameof(name));
        return area == CacheArea.ActionCache
            ? Path.Combine(Root, "ac", name)
            : Path.Combine(Root, "cas", name[..2], name);
    }

    /// <inheritdoc/>
    public byte[]? Get(CacheArea area, string name)
    {
        string path = PathOf(area, name);
        byte[] bytes;
        try
        {
            if (!File.Exists(path)) return null;
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null; // evicted or discarded between the check and the read
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CacheStoreException(this, $"cannot read '{path}': {e.Message}", e);
        }
        if (_sizeLimit > 0) MarkUsed(path);
        return bytes;
    }

    /// <inheritdoc/>
    public void Put(CacheArea area, string name, byte[] bytes)
    {
        string path = PathOf(area, name);
        try
        {
            AtomicFile.Write(path, stream =>
            {
                var target = _wrapWrites?.Invoke(stream) ?? stream;
                target.Write(bytes);
                target.Flush();
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Windows refuses to replace a file a reader holds open; a concurrent writer then
            // already put a whole entry there (the same content, or a manifest of the same key,
            // equally valid), which is all this write wanted.
            if (File.Exists(path) && (area == CacheArea.ActionCache || new FileInfo(path).Length == bytes.LongLength)) return;
            throw new CacheStoreException(this, $"cannot write '{path}': {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void Discard(CacheArea area, string name)
    {
        try
        {
            File.Delete(PathOf(area, name));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only shared folder keeps its corrupt entry; every reader verifies it anyway.
        }
    }

    /// <inheritdoc/>
    public void Trim()
    {
        if (_sizeLimit <= 0) return;
        try
        {
            var now = DateTime.UtcNow;
            var files = new List<FileInfo>();
            foreach (string area in new[] { "ac", "cas" })
            {
                var folder = new DirectoryInfo(Path.Combine(Root, area));
                if (!folder.Exists) continue;
                foreach (var file in folder.EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    if (file.Name.Contains(".tmp", StringComparison.Ordinal))
                    {
                        if (now - file.LastWriteTimeUtc > AbandonedAfter) TryDelete(file);
                        continue;
                    }
                    files.Add(file);
                }
            }
            long total = files.Sum(f => f.Length);
            if (total <= _sizeLimit) return;
            // Least recently used first; ties by name so eviction does not depend on listing order.
            foreach (var file in files.OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.FullName, StringComparer.Ordinal))
            {
                if (total <= _sizeLimit * TrimTarget) break;
                long length = file.Length;
                if (TryDelete(file)) total -= length;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CacheStoreException(this, $"cannot evict old entries from '{Root}': {e.Message}", e);
        }
    }

    private static bool TryDelete(FileInfo file)
    {
        try
        {
            file.Delete();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // Entries never change (names are digests), so the write time is free to mean "last used".
    private static void MarkUsed(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only eviction order suffers.
        }
    }
}
