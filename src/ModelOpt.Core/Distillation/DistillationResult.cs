namespace ModelOpt.Core.Distillation;

/// <summary>What a distillation did, for the report and the summary line.</summary>
/// <param name="Epochs">Every epoch run, in order.</param>
/// <param name="BestEpoch">The epoch (1-based) whose weights the student kept: the best held-out worst cosine; 0 when the untrained student was better than every epoch.</param>
/// <param name="Seconds">Wall-clock time of the whole distillation.</param>
/// <param name="SamplesPerSecond">Training samples processed per second (forward and backward of the student, forward of the teacher).</param>
/// <param name="Device">Where it ran ("cpu", "cuda:0 (NVIDIA H100)").</param>
/// <param name="StoppedByBudget">True when DistillTimeBudget ended training before the last epoch.</param>
/// <param name="InitialHeldOutCosine">The held-out worst cosine before training.</param>
/// <param name="InitialHeldOutAccuracy">With labels on the held-out samples, the student's accuracy before training; else null.</param>
/// <param name="Reconstruction">The layer-wise reconstruction that ran before the epochs (a structurally pruned student), else null.</param>
public sealed record DistillationResult(
    IReadOnlyList<EpochRecord> Epochs,
    int BestEpoch,
    double Seconds,
    double SamplesPerSecond,
    string Device,
    bool StoppedByBudget,
    double InitialHeldOutCosine,
    double? InitialHeldOutAccuracy,
    ReconstructionResult? Reconstruction = null)
{
    /// <summary>The held-out worst cosine of the weights the student kept: its best epoch's, else the reconstruction's, else the initial one.</summary>
    public double FinalHeldOutCosine()
        => BestEpoch > 0 ? Epochs[BestEpoch - 1].HeldOutWorstCosine : Reconstruction?.HeldOutWorstCosine ?? InitialHeldOutCosine;
}

/// <summary>One epoch of a distillation.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="Loss">The mean training loss over the epoch's batches.</param>
/// <param name="HeldOutWorstCosine">The worst cosine, over held-out samples and outputs, between student and teacher after the epoch.</param>
/// <param name="HeldOutAccuracy">With labels on the held-out samples, the student's top-1 accuracy; else null.</param>
public sealed record EpochRecord(int Epoch, double Loss, double HeldOutWorstCosine, double? HeldOutAccuracy);
