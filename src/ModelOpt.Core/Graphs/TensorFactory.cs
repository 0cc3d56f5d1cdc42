using System.Runtime.InteropServices;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Graphs;

/// <summary>Builds the small constant tensors passes add (axes, shapes, scalars).</summary>
public static class TensorFactory
{
    /// <summary>An INT64 tensor; a 1-D tensor of the values unless <paramref name="dims"/> says otherwise.</summary>
    public static Tensor Int64s(string name, IReadOnlyList<long> values, long[]? dims = null)
    {
        var data = values.ToArray();
        return Tensor.FromRawData(name, ElementType.Int64, dims ?? [data.Length], MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    }

    /// <summary>A 1-D FLOAT tensor.</summary>
    public static Tensor Floats(string name, IReadOnlyList<float> values)
    {
        var data = values.ToArray();
        return Tensor.FromFloats(name, [data.Length], data);
    }

    /// <summary>True for the element types <see cref="Scalar"/> can write.</summary>
    public static bool CanWriteScalar(ElementType type) => type is ElementType.Float or ElementType.Double or ElementType.Float16;

    /// <summary>A scalar (rank 0) of a floating-point <paramref name="type"/>.</summary>
    public static Tensor Scalar(string name, ElementType type, double value)
    {
        byte[] data = type switch
        {
            ElementType.Float => BitConverter.GetBytes((float)value),
            ElementType.Double => BitConverter.GetBytes(value),
            ElementType.Float16 => BitConverter.GetBytes(BitConverter.HalfToUInt16Bits((Half)value)),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Only floating-point scalars are supported."),
        };
        if (!BitConverter.IsLittleEndian) Array.Reverse(data);
        return Tensor.FromRawData(name, type, [], data);
    }
}
