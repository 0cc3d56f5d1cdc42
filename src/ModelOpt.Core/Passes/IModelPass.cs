using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Passes;

/// <summary>
/// One transformation of a model, applied in place. Passes are small and composable
/// (<see cref="PassPipeline"/>); each is deterministic: the same model and options give the
/// same result, byte for byte once saved.
/// </summary>
public interface IModelPass
{
    /// <summary>The pass's name as diagnostics show it, e.g. <c>OpsetUpgrade</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Transforms <paramref name="model"/> in place and returns whether anything changed.
    /// Expected failures (the model or an option makes the pass impossible) are
    /// <see cref="Onnx.Diagnostics.ModelOptException"/>s that name the pass and the node.
    /// </summary>
    bool Run(OnnxModel model);
}
