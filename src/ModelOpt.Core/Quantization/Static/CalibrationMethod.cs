namespace ModelOpt.Core.Quantization.Static;

/// <summary>How the range of an activation is estimated from the values the calibration samples produce.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen. Exact, but one outlier widens every step of the grid.</summary>
    MinMax,

    /// <summary>
    /// Clips the tails: the range ends where <see cref="StaticQuantizationOptions.Percentile"/> percent
    /// of the values lie inside (per tail), read from a fixed-size histogram.
    /// </summary>
    Percentile,

    /// <summary>
    /// The clipping threshold whose quantized histogram is closest, in Kullback–Leibler divergence,
    /// to the real one (the method of TensorRT's int8 calibration, S. Migacz, "8-bit Inference with
    /// TensorRT", GTC 2017).
    /// </summary>
    Entropy,
}
