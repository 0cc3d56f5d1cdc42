namespace ModelOpt.Cache.Settings;

/// <summary>What a build may do with the remote cache.</summary>
public enum RemoteCacheMode
{
    /// <summary>Download hits and upload what the build computed (CI).</summary>
    ReadWrite,

    /// <summary>Download hits only (developer machines reading what CI wrote).</summary>
    Read,
}
