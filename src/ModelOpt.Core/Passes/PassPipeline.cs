using ModelOpt.Core.Opsets;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Passes;

/// <summary>
/// Runs passes in order, each once, and returns every pass's result. Before each pass it asks
/// what opset the pass needs (<see cref="IModelPass.RequiredOpset"/>); where that is newer than
/// the model, it first runs one <see cref="OpsetUpgradePass"/> to the newest opset this pass and
/// the ones after it need, so a pipeline upgrades once, before the first pass that needs it, and
/// the upgrade is a result of its own. Every failure that leaves the pipeline names the pass it
/// happened in and the passes that ran before it: expected failures keep their code; anything
/// else is a bug and becomes <see cref="DiagnosticCode.PassFailed"/>.
/// </summary>
public sealed class PassPipeline : IModelPass
{
    /// <summary>Creates a pipeline of <paramref name="passes"/>, run in the given order.</summary>
    public PassPipeline(IEnumerable<IModelPass> passes)
    {
        ArgumentNullException.ThrowIfNull(passes);
        Passes = passes.ToArray();
    }

    /// <summary>Creates a pipeline of <paramref name="passes"/>, run in the given order.</summary>
    public PassPipeline(params IModelPass[] passes)
        : this((IEnumerable<IModelPass>)passes)
    {
    }

    /// <summary>The passes in the order they run, without the upgrade the pipeline may insert.</summary>
    public IReadOnlyList<IModelPass> Passes { get; }

    /// <inheritdoc/>
    public string Name => string.Join("+", Passes.Select(p => p.Name));

    /// <summary>The newest opset any of the passes needs, each asked about <paramref name="model"/> as it is now.</summary>
    public long? RequiredOpset(OnnxModel model) => Passes.Max(p => p.RequiredOpset(model));

    /// <summary>Runs every pass in order, with the opset upgrade they need; modified when any pass changed the model.</summary>
    public PipelineResult Run(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var results = new List<PassResult>(Passes.Count + 1);
        for (int i = 0; i < Passes.Count; i++)
        {
            var pass = Passes[i];
            long? needed = Guard(pass, model, results, () => pass.RequiredOpset(model));
            if (needed > model.GetOpsetVersion(""))
            {
                // The passes after this one are asked about the model as it is now: their best
                // estimate, so that one upgrade serves them all instead of one upgrade each.
                long target = needed.Value;
                for (int j = i + 1; j < Passes.Count; j++)
                {
                    var later = Passes[j];
                    if (Guard(later, model, results, () => later.RequiredOpset(model)) is { } more && more > target) target = more;
                }
                var upgrade = new OpsetUpgradePass(target);
                results.Add(Guard(upgrade, model, results, () => upgrade.Run(model)));
            }
            results.Add(Guard(pass, model, results, () => pass.Run(model)));
        }
        return new PipelineResult(this, results);
    }

    PassResult IModelPass.Run(OnnxModel model) => Run(model);

    /// <summary>Runs one call into <paramref name="pass"/>, naming it and the passes already run in any failure.</summary>
    private static T Guard<T>(IModelPass pass, OnnxModel model, IReadOnlyList<PassResult> ran, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (ModelOptException e)
        {
            // For example an external data file that turns out unreadable when a pass reads a weight.
            string message = PassErrors.InPipeline(pass, ran, e.Message);
            if (message == e.Message) throw;
            throw new ModelOptException(e.Code, e.FilePath, message, e);
        }
        catch (Exception e)
        {
            throw new ModelOptException(DiagnosticCode.PassFailed, model.SourcePath, PassErrors.InPipeline(pass, ran,
                $"failed unexpectedly: {e.GetType().Name}: {e.Message}. This is a bug in ModelOpt; please report it with the model."), e);
        }
    }
}
