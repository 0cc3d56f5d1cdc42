using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Passes;

/// <summary>
/// Runs passes in order, each once. Every failure that leaves the pipeline names the pass it
/// happened in: expected failures keep their code and gain the pass's name when they lack it;
/// anything else is a bug and becomes <see cref="DiagnosticCode.PassFailed"/>.
/// </summary>
public sealed class PassPipeline : IModelPass
{
    /// <summary>Creates a pipeline of <paramref name="passes"/>, run in the given order.</summary>
    public PassPipeline(IEnumerable<IModelPass> passes)
    {
        Passes = passes.ToArray();
    }

    /// <summary>Creates a pipeline of <paramref name="passes"/>, run in the given order.</summary>
    public PassPipeline(params IModelPass[] passes)
        : this((IEnumerable<IModelPass>)passes)
    {
    }

    /// <summary>The passes in the order they run.</summary>
    public IReadOnlyList<IModelPass> Passes { get; }

    /// <inheritdoc/>
    public string Name => string.Join("+", Passes.Select(p => p.Name));

    /// <summary>Runs every pass in order; true when any of them changed the model.</summary>
    public bool Run(OnnxModel model)
    {
        bool modified = false;
        foreach (var pass in Passes)
        {
            modified |= RunOne(pass, model);
        }
        return modified;
    }

    private static bool RunOne(IModelPass pass, OnnxModel model)
    {
        try
        {
            return pass.Run(model);
        }
        catch (ModelOptException e) when (!e.Message.StartsWith(PassErrors.Prefix(pass), StringComparison.Ordinal))
        {
            // For example an external data file that turns out unreadable when a pass reads a weight.
            throw new ModelOptException(e.Code, e.FilePath, PassErrors.Prefix(pass) + e.Message, e);
        }
        catch (Exception e) when (e is not ModelOptException)
        {
            throw new ModelOptException(DiagnosticCode.PassFailed, model.SourcePath,
                $"{PassErrors.Prefix(pass)}failed unexpectedly: {e.GetType().Name}: {e.Message}. This is a bug in ModelOpt; please report it with the model.", e);
        }
    }
}
