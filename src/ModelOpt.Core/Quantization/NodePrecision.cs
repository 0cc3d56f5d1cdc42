namespace ModelOpt.Core.Quantization;

/// <summary>The precision a node's weights end up in.</summary>
public enum NodePrecision
{
    /// <summary>Left as it was (32-bit float).</summary>
    Float,

    /// <summary>
    /// Integer weights (int8 on a 7-bit grid, or the full 8 bits stored as uint8 + 128; see
    /// <see cref="DynamicQuantizationOptions.ReduceRange"/>); activations quantized to uint8 at run time.
    /// </summary>
    Int8,

    /// <summary>
    /// 4-bit integer weights in blocks along the reduction axis, each block with its own scale
    /// (weight-only: activations stay in float); ONNX Runtime's MatMulNBits and GatherBlockQuantized.
    /// </summary>
    Int4,

    /// <summary>
    /// Half-precision float (IEEE binary16) weights and computation; the node reads and writes
    /// FLOAT16 tensors (<see cref="ModelOpt.Core.Float16.Float16ConversionPass"/>).
    /// </summary>
    Float16,

    /// <summary>
    /// Static quantization in QDQ form: int8 weights (int32 bias) and 8-bit activations with
    /// calibrated scales, read through DequantizeLinear and written through QuantizeLinear, which
    /// ONNX Runtime fuses into integer kernels; also operators that only pass the 8-bit data along.
    /// </summary>
    StaticInt8,
}
