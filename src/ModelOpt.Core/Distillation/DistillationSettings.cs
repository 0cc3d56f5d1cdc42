namespace ModelOpt.Core.Distillation;

/// <summary>The hyperparameters of one distillation (the <c>Distill*</c>, <c>Epochs</c>, … options).</summary>
public sealed record DistillationSettings
{
    /// <summary>Passes over the training samples unless told otherwise.</summary>
    public const int DefaultEpochs = 10;

    /// <summary>Adam's step size unless told otherwise: small, since the student starts close to the teacher.</summary>
    public const double DefaultLearningRate = 1e-4;

    /// <summary>Samples per optimizer step unless told otherwise.</summary>
    public const int DefaultBatchSize = 16;

    /// <summary>The softmax temperature of the KL term unless told otherwise (Hinton et al. use 2–20).</summary>
    public const double DefaultTemperature = 4;

    /// <summary>The weight of the distillation term against cross-entropy on labels unless told otherwise.</summary>
    public const double DefaultAlpha = 0.5;

    /// <summary>Passes over the training samples.</summary>
    public int Epochs { get; init; } = DefaultEpochs;

    /// <summary>Adam's step size.</summary>
    public double LearningRate { get; init; } = DefaultLearningRate;

    /// <summary>Samples per optimizer step.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The softmax temperature T of the KL term (scaled by T² so gradients keep their size).</summary>
    public double Temperature { get; init; } = DefaultTemperature;

    /// <summary>α in α·T²·KL + (1−α)·cross-entropy, when labels are given; without labels the distillation term alone.</summary>
    public double Alpha { get; init; } = DefaultAlpha;

    /// <summary>Seeds the shuffling, the augmentation and TorchSharp: the same seed gives the same weights.</summary>
    public int Seed { get; init; }

    /// <summary>What the student is trained to match.</summary>
    public DistillationLoss Loss { get; init; } = DistillationLoss.Auto;

    /// <summary>Seconds after which training stops and keeps its best epoch so far; 0 never stops early.</summary>
    public double TimeBudgetSeconds { get; init; }
}
