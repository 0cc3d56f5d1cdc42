using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Passes;

/// <summary>A pass whose report is a <typeparamref name="TReport"/>, so callers read it without a cast.</summary>
/// <typeparam name="TReport">What the pass reports about one run.</typeparam>
public interface IModelPass<TReport> : IModelPass
{
    /// <inheritdoc cref="IModelPass.Run"/>
    new PassResult<TReport> Run(OnnxModel model);
}
