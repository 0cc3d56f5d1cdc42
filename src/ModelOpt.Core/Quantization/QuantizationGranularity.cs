namespace ModelOpt.Core.Quantization;

/// <summary>How many scales a quantized weight has.</summary>
public enum QuantizationGranularity
{
    /// <summary>One scale (and zero point) for the whole weight tensor.</summary>
    PerTensor,

    /// <summary>One scale per output channel.</summary>
    PerChannel,

    /// <summary>One scale (and zero point) per block of consecutive weights along the reduction axis of each output channel.</summary>
    PerBlock,
}
