using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Passes;

/// <summary>
/// One transformation of a model, applied in place. Passes are small and composable
/// (<see cref="PassPipeline"/>); each is deterministic: the same model and options give the
/// same result, byte for byte once saved. A pass keeps no state from one run to the next: what it
/// did comes back from <see cref="Run"/> as a <see cref="PassResult"/>.
/// </summary>
public interface IModelPass
{
    /// <summary>The pass's name as diagnostics show it, e.g. <c>OpsetUpgrade</c>.</summary>
    string Name { get; }

    /// <summary>
    /// The default-domain opset <paramref name="model"/> must import before this pass runs on it,
    /// or null when the pass needs none: it writes no operator of a newer opset, or has nothing
    /// to do on this model (so a model with nothing to quantize is not upgraded either). Looks,
    /// changes nothing. <see cref="PassPipeline"/> asks before each pass and runs one
    /// <see cref="Opsets.OpsetUpgradePass"/> where the answer is newer than the model; a pass run
    /// on its own refuses a model older than it needs.
    /// </summary>
    long? RequiredOpset(OnnxModel model);

    /// <summary>
    /// Transforms <paramref name="model"/> in place and returns whether anything changed, with the
    /// pass's report. Expected failures (the model or an option makes the pass impossible) are
    /// <see cref="Onnx.Diagnostics.ModelOptException"/>s that name the pass and the node.
    /// </summary>
    PassResult Run(OnnxModel model);
}
