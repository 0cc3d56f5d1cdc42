using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Int4;

/// <summary>
/// Decodes the 4-bit initializers of MatMulNBits and GatherBlockQuantized nodes back to float
/// matrices, written from ONNX Runtime's ContribOperators.md rather than from the pass's code:
/// codes two per byte, the first in the low nibble; <c>w = (code − zero_point) · scale</c>; the
/// zero point 8 when none is stored; packed zero points with each row padded to whole bytes.
/// </summary>
internal static class Int4Reference
{
    /// <summary>The [K, N] weight a MatMulNBits node multiplies by, in MatMul's B layout.</summary>
    public static float[] MatMulNBitsWeight(Node node)
    {
        Assert.Equal(("com.microsoft", "MatMulNBits"), (node.Domain, node.OpType));
        int k = (int)node.GetAttribute("K")!.Int;
        int n = (int)node.GetAttribute("N")!.Int;
        int block = (int)node.GetAttribute("block_size")!.Int;
        Assert.Equal(4, node.GetAttribute("bits")!.Int);
        int blocks = (k + block - 1) / block;

        var data = Bytes(node.Inputs[1]!, [n, blocks, block / 2]);
        var scales = Initializer(node.Inputs[2]!).ToFloatArray();
        Assert.Equal(n * blocks, scales.Length);
        var zeroPoints = node.Inputs.Count > 3 && node.Inputs[3] is { } z ? Bytes(z, [n, (blocks + 1) / 2]) : null;

        var rows = DecodeRows(data, blocks * (block / 2), scales, zeroPoints, n, k, block);
        var weight = new float[k * n];
        for (int column = 0; column < n; column++)
        {
            for (int i = 0; i < k; i++) weight[i * n + column] = rows[column * k + i];
        }
        return weight;
    }

    /// <summary>The [V, H] table a GatherBlockQuantized node (UINT8 data, bits 4, quantize_axis 1) reads from.</summary>
    public static float[] GatherTable(Node node)
    {
        Assert.Equal(("com.microsoft", "GatherBlockQuantized"), (node.Domain, node.OpType));
        Assert.Equal(4, node.GetAttribute("bits")!.Int);
        Assert.Equal(1, node.GetAttribute("quantize_axis")!.Int);
        int block = (int)node.GetAttribute("block_size")!.Int;
        var tensor = Initializer(node.Inputs[0]!);
        Assert.Equal(ElementType.UInt8, tensor.ElementType);
        int rows = (int)tensor.Dims[0];
        int width = (int)tensor.Dims[1] * 2;
        int blocks = (width + block - 1) / block;
        var data = tensor.GetRawData().ToArray();
        var scales = Initializer(node.Inputs[2]!).ToFloatArray();
        Assert.Equal(rows * blocks, scales.Length);
        var zeroPoints = node.Inputs.Count > 3 && node.Inputs[3] is { } z ? Bytes(z, [rows, (blocks + 1) / 2]) : null;

        return DecodeRows(data, width / 2, scales, zeroPoints, rows, width, block);
    }

    /// <summary>
    /// Row r, element i of a blockwise 4-bit matrix: rows of <paramref name="rowBytes"/> packed
    /// codes, scales [rows, blocks], zero points packed [rows, ceil(blocks / 2)] or 8 when null.
    /// </summary>
    public static float[] DecodeRows(byte[] data, int rowBytes, float[] scales, byte[]? zeroPoints, int rows, int length, int block)
    {
        int blocks = (length + block - 1) / block;
        var values = new float[rows * length];
        for (int row = 0; row < rows; row++)
        {
            for (int i = 0; i < length; i++)
            {
                int b = i / block;
                int zeroPoint = zeroPoints is null ? 8 : Nibble(zeroPoints, row * ((blocks + 1) / 2), b);
                values[row * length + i] = (Nibble(data, row * rowBytes, i) - zeroPoint) * scales[row * blocks + b];
            }
        }
        return values;
    }

    /// <summary>Code <paramref name="index"/> of the packed row starting at byte <paramref name="rowStart"/>: even indices in the low nibble.</summary>
    public static int Nibble(byte[] packed, int rowStart, int index)
        => (packed[rowStart + index / 2] >> (index % 2 * 4)) & 0x0F;

    /// <summary>The largest error the quantizer may make on one weight of a block with this scale.</summary>
    /// <remarks>Symmetric blocks may clamp an element of the other sign by up to one step; asymmetric ones round by half a step.</remarks>
    public static float StepBound(float scale, bool symmetric) => symmetric ? MathF.Abs(scale) * 1.0001f : scale * 0.5001f;

    /// <summary>Y = A·W for A [M, K] and W [K, N], in double.</summary>
    public static float[] Multiply(float[] a, float[] w, int k, int n)
    {
        int m = a.Length / k;
        var y = new float[m * n];
        for (int row = 0; row < m; row++)
        {
            for (int column = 0; column < n; column++)
            {
                double sum = 0;
                for (int i = 0; i < k; i++) sum += (double)a[row * k + i] * w[i * n + column];
                y[row * n + column] = (float)sum;
            }
        }
        return y;
    }

    private static Tensor Initializer(Value value) => value.Initializer ?? throw new Xunit.Sdk.XunitException($"{value} is not an initializer");

    private static byte[] Bytes(Value value, long[] dims)
    {
        var tensor = Initializer(value);
        Assert.Equal(ElementType.UInt8, tensor.ElementType);
        Assert.Equal(dims, tensor.Dims);
        return tensor.GetRawData().ToArray();
    }
}
