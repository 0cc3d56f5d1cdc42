namespace ModelOpt.Core.Distillation;

/// <summary>What the student is trained to match.</summary>
public enum DistillationLoss
{
    /// <summary>KL for classification-shaped outputs ([batch, classes]), MSE for the rest, plus MSE on intermediate values whose shape the student kept.</summary>
    Auto,

    /// <summary>The teacher's softened class distribution (Hinton et al. 2015, "Distilling the Knowledge in a Neural Network").</summary>
    KL,

    /// <summary>The teacher's output values.</summary>
    MSE,
}
