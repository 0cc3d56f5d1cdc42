using System.Globalization;
using System.Runtime.InteropServices;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Data;

/// <summary>The shape, type and fill of one generated input, checked.</summary>
/// <param name="Name">The model input.</param>
/// <param name="Type">Its element type.</param>
/// <param name="Shape">The concrete shape.</param>
/// <param name="Elements">The product of <paramref name="Shape"/>.</param>
/// <param name="Values">What it is filled with.</param>
/// <param name="Rows">For <see cref="GeneratedValues.EmbeddingIds"/>, the rows of the embedding table (ids are drawn from [0, Rows)).</param>
/// <param name="Range">For <see cref="GeneratedValues.Uniform"/>, the range the floats are drawn from.</param>
internal sealed record GeneratedInput(string Name, ElementType Type, long[] Shape, long Elements, GeneratedValues Values, long Rows, ImageValueRange Range)
{
    /// <summary>
    /// One sample of the input. Floats draw from <paramref name="floats"/>, ids from
    /// <paramref name="ids"/>: two streams, so adding ids to a model's integer inputs left the
    /// float values of every model exactly as they were.
    /// </summary>
    public SampleTensor Create(ref SplitMix64 floats, ref SplitMix64 ids, int sample)
    {
        string source = string.Create(CultureInfo.InvariantCulture, $"generated input '{Name}' of sample {sample}");
        int n = checked((int)Elements);
        byte[] data = Values switch
        {
            GeneratedValues.Uniform => UniformFloats(ref floats, n),
            GeneratedValues.Ones => Ones(n),
            GeneratedValues.EmbeddingIds => Ids(ref ids, n),
            _ => new byte[ElementTypes.ByteCount(Type, Elements)],
        };
        return new SampleTensor(Name, Type, Shape, data, source);
    }

    private byte[] UniformFloats(ref SplitMix64 random, int n)
    {
        switch (Type)
        {
            case ElementType.Float:
                var singles = new float[n];
                for (int i = 0; i < n; i++) singles[i] = Next(ref random);
                return MemoryMarshal.AsBytes(singles.AsSpan()).ToArray();
            case ElementType.Double:
                var doubles = new double[n];
                for (int i = 0; i < n; i++) doubles[i] = Next(ref random);
                return MemoryMarshal.AsBytes(doubles.AsSpan()).ToArray();
            case ElementType.Float16:
                var halves = new Half[n];
                for (int i = 0; i < n; i++) halves[i] = (Half)Next(ref random);
                return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
            default:
                return new byte[ElementTypes.ByteCount(Type, Elements)];
        }
    }

    // Centre + half width × [-1, 1): the default range (0, 1) gives exactly the values it always did.
    private float Next(ref SplitMix64 random) => Range.Center + Range.HalfWidth * random.NextSignedUnitFloat();

    private byte[] Ones(int n) => Type switch
    {
        ElementType.Float => MemoryMarshal.AsBytes(Enumerable.Repeat(1f, n).ToArray().AsSpan()).ToArray(),
        ElementType.Double => MemoryMarshal.AsBytes(Enumerable.Repeat(1.0, n).ToArray().AsSpan()).ToArray(),
        ElementType.Float16 => MemoryMarshal.AsBytes(Enumerable.Repeat(Half.One, n).ToArray().AsSpan()).ToArray(),
        ElementType.Int64 or ElementType.UInt64 => MemoryMarshal.AsBytes(Enumerable.Repeat(1L, n).ToArray().AsSpan()).ToArray(),
        ElementType.Int32 or ElementType.UInt32 => MemoryMarshal.AsBytes(Enumerable.Repeat(1, n).ToArray().AsSpan()).ToArray(),
        ElementType.Int16 or ElementType.UInt16 => MemoryMarshal.AsBytes(Enumerable.Repeat((short)1, n).ToArray().AsSpan()).ToArray(),
        _ => Enumerable.Repeat((byte)1, n).ToArray(), // BOOL, INT8, UINT8: one byte per element
    };

    private byte[] Ids(ref SplitMix64 random, int n)
    {
        var ids = new long[n];
        // The high half of a 64x64-bit product maps 64 random bits onto [0, Rows) without the
        // bias of a modulo (Lemire's method, without the rejection step: the bias is below 2^-40).
        for (int i = 0; i < n; i++) ids[i] = (long)Math.BigMul(random.Next(), (ulong)Rows, out _);
        return Type switch
        {
            ElementType.Int32 or ElementType.UInt32 => MemoryMarshal.AsBytes(ids.Select(v => (int)v).ToArray().AsSpan()).ToArray(),
            _ => MemoryMarshal.AsBytes(ids.AsSpan()).ToArray(),
        };
    }
}
