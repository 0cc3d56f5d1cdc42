namespace ModelOpt.Core.Distillation;

/// <summary>
/// Fine-tunes a student model against a teacher. The implementation (TorchSharp) lives in the
/// opt-in <c>ModelOpt.Build.Distillation</c> package's assembly, which the worker loads only when
/// a job distills, so that builds that never distill never load libtorch.
/// </summary>
public interface IModelDistiller
{
    /// <summary>
    /// The environment variable naming the folders (path-list) of TorchSharp's and LibTorch's
    /// natives: the worker sets it from the package's targets before loading the distiller, which
    /// searches those folders first; command-line users may set it themselves.
    /// </summary>
    const string NativeFoldersVariable = "MODELOPT_TORCH_NATIVE";

    /// <summary>Trains <see cref="DistillationRequest.Student"/> in place and says how it went.</summary>
    DistillationResult Distill(DistillationRequest request);
}
