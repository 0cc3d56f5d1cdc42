namespace ModelOpt.Cache.Stores;

/// <summary>The two areas of Bazel's cache protocol.</summary>
public enum CacheArea
{
    /// <summary><c>/ac/&lt;key&gt;</c>: a key's manifest.</summary>
    ActionCache,

    /// <summary><c>/cas/&lt;digest&gt;</c>: content, named by its SHA-256.</summary>
    ContentStore,
}
