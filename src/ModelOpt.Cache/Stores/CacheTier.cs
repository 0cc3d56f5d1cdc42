namespace ModelOpt.Cache.Stores;

/// <summary>Where a cached model came from, nearest first: the order a lookup asks the tiers in.</summary>
public enum CacheTier
{
    /// <summary>The per-user folder (on by default, size-limited).</summary>
    Local,

    /// <summary>A folder the team shares (<c>ModelOptCacheDir</c>), e.g. on a network file system.</summary>
    Shared,

    /// <summary>An HTTP cache speaking Bazel's protocol (<c>ModelOptRemoteCache</c>).</summary>
    Remote,
}
