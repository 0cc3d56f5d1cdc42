namespace ModelOpt.Core.Quantization.Static;

/// <summary>The 8-bit type activations are quantized to.</summary>
public enum ActivationType
{
    /// <summary>
    /// Unsigned 8-bit (ONNX Runtime's default for QDQ). On x86-64 ONNX Runtime fuses QDQ Conv,
    /// MatMul and Gemm into integer kernels only for uint8 activations.
    /// </summary>
    UInt8,

    /// <summary>
    /// Signed 8-bit. ONNX Runtime fuses int8-activation Conv and MatMul only on ARM
    /// (QDQIsInt8Allowed); elsewhere they run in float between Dequantize and Quantize nodes.
    /// </summary>
    Int8,
}
