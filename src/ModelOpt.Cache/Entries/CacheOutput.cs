namespace ModelOpt.Cache.Entries;

/// <summary>One output an action entry lists: its role (<c>model</c>, <c>report</c>), the SHA-256 digest of its bytes, and their length.</summary>
public sealed record CacheOutput(string Name, string Digest, long Size);
