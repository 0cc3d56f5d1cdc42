using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Quantization;

/// <summary>An activation quantized at run time: DynamicQuantizeLinear's three outputs.</summary>
internal sealed record ActivationValues(Value Quantized, Value Scale, Value ZeroPoint);
