namespace ModelOpt.Core.Passes;

/// <summary>The result of a pass that reports a <typeparamref name="TReport"/>.</summary>
/// <typeparam name="TReport">What the pass reports.</typeparam>
public sealed class PassResult<TReport> : PassResult
{
    /// <summary>Creates the result of one run of <paramref name="pass"/>.</summary>
    public PassResult(IModelPass<TReport> pass, bool modified, TReport report)
        : base(pass, modified)
    {
        Report = report;
    }

    /// <summary>What the pass did, node by node or in totals, as the pass defines it.</summary>
    public TReport Report { get; }
}
