namespace ModelOpt.Engine.Reports;

/// <summary>Where the embedded model came from in this build.</summary>
public enum ModelOrigin
{
    /// <summary>The job ran the pipeline.</summary>
    Computed,

    /// <summary>The per-user cache folder.</summary>
    Local,

    /// <summary>The team's shared cache folder.</summary>
    Shared,

    /// <summary>The remote HTTP cache.</summary>
    Remote,
}
