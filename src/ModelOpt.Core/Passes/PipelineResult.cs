namespace ModelOpt.Core.Passes;

/// <summary>
/// What a <see cref="PassPipeline"/> run did: the result of every pass it ran, in order, the
/// opset upgrade it inserted among them.
/// </summary>
public sealed class PipelineResult : PassResult
{
    internal PipelineResult(PassPipeline pipeline, IReadOnlyList<PassResult> results)
        : base(pipeline, results.Any(r => r.Modified))
    {
        Results = results;
    }

    /// <summary>The result of every pass that ran, in the order they ran (an inserted <see cref="Opsets.OpsetUpgradePass"/> included).</summary>
    public IReadOnlyList<PassResult> Results { get; }

    /// <summary>
    /// The result of <paramref name="pass"/>, typed by its report (the last run when the pipeline
    /// holds the same pass twice). Throws when the pipeline did not run it.
    /// </summary>
    public PassResult<TReport> ResultOf<TReport>(IModelPass<TReport> pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        for (int i = Results.Count - 1; i >= 0; i--)
        {
            // IModelPass<TReport>.Run returns a PassResult<TReport>, and the pipeline keeps what it returned.
            if (ReferenceEquals(Results[i].Pass, pass) && Results[i] is PassResult<TReport> typed) return typed;
        }
        throw new ArgumentException($"The pipeline did not run pass '{pass.Name}'.", nameof(pass));
    }
}
