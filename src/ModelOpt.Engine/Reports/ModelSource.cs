using System.Globalization;

namespace ModelOpt.Engine.Reports;

/// <summary>Where the model of this build came from, how long getting it took, and its cache key (null when the cache is off).</summary>
public sealed record ModelSource(ModelOrigin Origin, double Seconds, string? CacheKey)
{
    /// <summary>A few words for the summary line, e.g. <c>computed in 12.3 s</c> or <c>from the remote cache in 0.08 s</c>.</summary>
    public override string ToString() => Origin == ModelOrigin.Computed
        ? string.Create(CultureInfo.InvariantCulture, $"computed in {Seconds:0.0} s")
        : string.Create(CultureInfo.InvariantCulture, $"from the {Origin.ToString().ToLowerInvariant()} cache in {Seconds:0.00} s");
}
