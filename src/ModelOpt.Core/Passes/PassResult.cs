namespace ModelOpt.Core.Passes;

/// <summary>
/// What one run of a pass did: whether it changed the model, and (in the typed
/// <see cref="PassResult{TReport}"/>) its report. A value, returned by <see cref="IModelPass.Run"/>,
/// so that a pass object holds no state of its last run and can be run again or shared.
/// </summary>
public abstract class PassResult
{
    private protected PassResult(IModelPass pass, bool modified)
    {
        ArgumentNullException.ThrowIfNull(pass);
        Pass = pass;
        Modified = modified;
    }

    /// <summary>The pass that ran.</summary>
    public IModelPass Pass { get; }

    /// <summary>True when the pass changed the model.</summary>
    public bool Modified { get; }

    /// <summary>The result of a run of <paramref name="pass"/>; the report's type follows from the pass's.</summary>
    public static PassResult<TReport> Create<TReport>(IModelPass<TReport> pass, bool modified, TReport report)
        => new(pass, modified, report);
}
