using ModelOpt.Cache.Entries;
using ModelOpt.Cache.Stores;

namespace ModelOpt.Cache;

/// <summary>A verified cache hit: the tier it came from, its manifest, and every output's bytes (each checked against its digest), by output name.</summary>
public sealed record CacheHit(CacheTier Tier, CacheManifest Manifest, IReadOnlyDictionary<string, byte[]> Outputs);
