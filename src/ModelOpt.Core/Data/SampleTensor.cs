using System.Runtime.InteropServices;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>
/// One input tensor of a sample: element type, shape and the data in raw form
/// (little-endian, C order), as read from a <c>.pb</c> or <c>.npy</c> file or built in memory.
/// </summary>
public sealed class SampleTensor
{
    /// <summary>Creates the tensor; <paramref name="data"/> must hold exactly the elements of <paramref name="shape"/>.</summary>
    /// <param name="name">The model input it is meant for (a TensorProto's name, a file name), or null to bind by position.</param>
    /// <param name="elementType">The element type.</param>
    /// <param name="shape">The dimensions.</param>
    /// <param name="data">The raw data.</param>
    /// <param name="source">Where it came from, for messages (a file path).</param>
    public SampleTensor(string? name, ElementType elementType, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data, string source)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"{source}: negative dimension in [{string.Join(",", shape)}].", nameof(shape));
            count = checked(count * d);
        }
        long expected = ElementTypes.ByteCount(elementType, count);
        if (!ElementTypes.HasRawForm(elementType) || expected != data.Length)
        {
            throw new ArgumentException($"{source}: {data.Length} bytes for {ElementTypes.OnnxName(elementType)}[{string.Join(",", shape)}], which needs {expected}.", nameof(data));
        }
        Name = string.IsNullOrEmpty(name) ? null : name;
        ElementType = elementType;
        Shape = [.. shape];
        Data = data;
        Source = source;
    }

    /// <summary>The model input this tensor is meant for, or null to bind it by position.</summary>
    public string? Name { get; }

    /// <summary>The element type.</summary>
    public ElementType ElementType { get; }

    /// <summary>The dimensions.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The data in raw form.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Where the tensor came from (a file path, or a description for tensors built in memory).</summary>
    public string Source { get; }

    /// <summary>A FLOAT tensor over a copy of <paramref name="values"/>.</summary>
    public static SampleTensor FromFloats(string? name, long[] shape, ReadOnlySpan<float> values, string source = "memory")
        => new(name, ElementType.Float, shape, MemoryMarshal.AsBytes(values).ToArray(), source);

    /// <summary>The shape as ONNX shows it, e.g. <c>[1,3,224,224]</c>.</summary>
    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}
