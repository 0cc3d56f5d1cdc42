namespace ModelOpt.Distillation.Converters;

/// <summary>
/// What an input slot of an operator means for training, which decides what a FLOAT
/// initializer read there becomes in the module (INT and BOOL initializers are always constants).
/// </summary>
public enum InputRole
{
    /// <summary>A weight (Conv and Gemm weights and biases, MatMul operands, normalization scales and shifts, embedding tables): a trainable parameter.</summary>
    Weight,

    /// <summary>
    /// An operand of elementwise arithmetic (Add, Mul, …): trainable when it has more than one
    /// element (a bias or scale vector); a scalar there is a constant of the formula (an epsilon,
    /// 1/√d, the ½ of a decomposed GELU), and training it would change the formula, not a weight.
    /// </summary>
    Operand,

    /// <summary>A running statistic (BatchNormalization's mean and variance): a buffer that training mode updates and write-back saves.</summary>
    RunningStatistic,

    /// <summary>A shape, axes, indices, scales, bounds or exponent: a constant.</summary>
    Static,
}
