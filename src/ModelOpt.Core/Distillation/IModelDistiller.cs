namespace ModelOpt.Core.Distillation;

/// <summary>
/// Fine-tunes a student model against a teacher. The implementation (TorchSharp) lives in the
/// opt-in <c>ModelOpt.Build.Distillation</c> package's assembly, which the worker loads only when
/// a job distills, so that builds that never distill never load libtorch.
/// </summary>
public interface IModelDistiller
{
    /// <summary>Trains <see cref="DistillationRequest.Student"/> in place and says how it went.</summary>
    DistillationResult Distill(DistillationRequest request);
}
