namespace ModelOpt.Core.Quantization.Static;

/// <summary>How <see cref="StaticQuantizationPass"/> picks each weight's grid point (the grid itself, scales and zero points, is the same either way).</summary>
public enum WeightRounding
{
    /// <summary>Every weight to its nearest grid point, alone.</summary>
    Nearest,

    /// <summary>
    /// Error-compensated (Frantar et al. 2023, "GPTQ"): a Conv's or MatMul's weights are rounded
    /// a column at a time, each column's error spread over the columns still to come as the
    /// layer's input Gram matrix on the calibration data prescribes, so that the layer's output,
    /// not each weight, stays closest to the float one (<see cref="Rounding.GptqRounding"/>). Layers
    /// whose weight rows are longer than <see cref="StaticQuantizationOptions.MaxErrorCompensatedColumns"/> round to nearest.
    /// </summary>
    Gptq,
}
