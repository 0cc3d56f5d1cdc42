namespace ModelOpt.Cache.Settings;

/// <summary>One cache setting: its <c>modelopt</c> option (without dashes), its MSBuild project property, and what it does.</summary>
public sealed record CacheSetting(string Option, string Property, string Values, string Help);
