namespace ModelOpt.Cache.Stores;

/// <summary>A tier could not be read or written (I/O error, full disk, read-only folder, HTTP failure, timeout).</summary>
public sealed class CacheStoreException : Exception
{
    /// <summary>A failure of <paramref name="store"/>, with the reason.</summary>
    public CacheStoreException(ICacheStore store, string message, Exception? inner = null)
        : base(message, inner)
    {
        Store = store;
    }

    /// <summary>The tier that failed.</summary>
    public ICacheStore Store { get; }
}
