namespace ModelOpt.Cache.Stores;

/// <summary>
/// One tier of the cache: named entries in the action cache and the content store. Failures
/// (a folder that cannot be written, a server that is down) are thrown as
/// <see cref="CacheStoreException"/>; <see cref="ModelCache"/> turns the first into one warning
/// and stops using the tier.
/// </summary>
public interface ICacheStore
{
    /// <summary>Which tier this is.</summary>
    CacheTier Tier { get; }

    /// <summary>The folder or URL, as warnings name it.</summary>
    string Location { get; }

    /// <summary>False for a remote cache in <c>Read</c> mode.</summary>
    bool CanWrite { get; }

    /// <summary>The entry's bytes, or null when there is none.</summary>
    byte[]? Get(CacheArea area, string name);

    /// <summary>Writes the entry whole or not at all (a reader never sees part of it).</summary>
    void Put(CacheArea area, string name, byte[] bytes);

    /// <summary>Removes an entry found corrupt, where the tier allows it (folders); best effort.</summary>
    void Discard(CacheArea area, string name);

    /// <summary>Called after a job's entries were written: a size-limited tier evicts what was used least recently.</summary>
    void Trim();
}
