using ModelOpt.Onnx.Ir;
using TorchSharp;
using OnnxTensor = ModelOpt.Onnx.Ir.Tensor;

namespace ModelOpt.Distillation.Execution;

/// <summary>ONNX tensors to TorchSharp tensors and back, and the element types between them.</summary>
public static class TensorConversion
{
    /// <summary>The TorchSharp type of an ONNX element type, or null when TorchSharp has none (strings, sub-byte and 8-bit floats, unsigned 16–64-bit integers).</summary>
    public static torch.ScalarType? ToScalarType(ElementType type) => type switch
    {
        ElementType.Float => torch.ScalarType.Float32,
        ElementType.Double => torch.ScalarType.Float64,
        ElementType.Float16 => torch.ScalarType.Float16,
        ElementType.BFloat16 => torch.ScalarType.BFloat16,
        ElementType.Int8 => torch.ScalarType.Int8,
        ElementType.UInt8 => torch.ScalarType.Byte,
        ElementType.Int16 => torch.ScalarType.Int16,
        ElementType.Int32 => torch.ScalarType.Int32,
        ElementType.Int64 => torch.ScalarType.Int64,
        ElementType.Bool => torch.ScalarType.Bool,
        _ => null,
    };

    /// <summary>The ONNX element type of a TorchSharp type.</summary>
    public static ElementType ToElementType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => ElementType.Float,
        torch.ScalarType.Float64 => ElementType.Double,
        torch.ScalarType.Float16 => ElementType.Float16,
        torch.ScalarType.BFloat16 => ElementType.BFloat16,
        torch.ScalarType.Int8 => ElementType.Int8,
        torch.ScalarType.Byte => ElementType.UInt8,
        torch.ScalarType.Int16 => ElementType.Int16,
        torch.ScalarType.Int32 => ElementType.Int32,
        torch.ScalarType.Int64 => ElementType.Int64,
        torch.ScalarType.Bool => ElementType.Bool,
        _ => throw new NotSupportedException($"TorchSharp type {type} has no ONNX element type here."),
    };

    /// <summary>A new CPU tensor with a copy of <paramref name="tensor"/>'s data; throws <see cref="NotSupportedException"/> for a type TorchSharp cannot hold.</summary>
    public static torch.Tensor ToTorch(OnnxTensor tensor)
    {
        var type = ToScalarType(tensor.ElementType)
            ?? throw new NotSupportedException($"{tensor} has element type {ElementTypes.OnnxName(tensor.ElementType)}, which TorchSharp cannot hold.");
        var result = torch.empty(tensor.Dims.ToArray(), type);
        if (tensor.ElementCount > 0) tensor.GetRawData().Span.CopyTo(result.bytes);
        return result;
    }

    /// <summary>The raw bytes (little-endian, ONNX's raw_data layout) of <paramref name="tensor"/> converted to <paramref name="type"/>.</summary>
    public static byte[] ToRawBytes(torch.Tensor tensor, ElementType type)
    {
        var scalarType = ToScalarType(type) ?? throw new NotSupportedException($"No TorchSharp type for {ElementTypes.OnnxName(type)}.");
        using var converted = tensor.detach().to(torch.CPU).to_type(scalarType).contiguous();
        return converted.bytes.ToArray();
    }
}
