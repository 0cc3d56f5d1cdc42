using ModelOpt.Core.Quantization.Static.Rounding;

namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// Error-compensated rounding of a MatMul's blockwise 4-bit weights (GPTQ, Frantar et al. 2023,
/// the use it was made for): the blocks keep the scales and zero points rounding to nearest gave
/// them (the paper's "static groups"), and <see cref="GptqRounding"/> picks each weight's code
/// one input row at a time, spreading its rounding error over the rows of K not yet rounded in
/// the proportions the layer's input Gram matrix gives. Sixteen levels leave much larger errors
/// than 8-bit grids, so correlated inputs matter more here than in static int8.
/// </summary>
internal static class Int4ErrorCompensation
{
    /// <summary>
    /// <paramref name="nearest"/> with its codes re-chosen for <paramref name="gram"/>, the Gram
    /// matrix of what the weight multiplies (K × K); null when the Cholesky factorization fails
    /// (the caller keeps <paramref name="nearest"/>).
    /// </summary>
    public static Int4Blocks? Round(ReadOnlySpan<float> values, Int4Blocks nearest, Int4Layout layout, InputGram gram)
    {
        if (gram.Columns != layout.Length || gram.Groups != 1) return null;
        int blocks = layout.Blocks;
        var codes = new sbyte[values.Length];
        var zeroPoints = new sbyte[layout.Rows * blocks];
        int rowBytes = layout.RowBytes;
        for (int row = 0; row < layout.Rows; row++)
        {
            for (int i = 0; i < layout.Length; i++)
            {
                codes[checked((int)((row * layout.RowStride) + (i * layout.ElementStride)))] = (sbyte)Int4BlockQuantizer.GetCode(nearest.Data, (row * rowBytes * 2) + i);
            }
            for (int b = 0; b < blocks; b++)
            {
                zeroPoints[(row * blocks) + b] = (sbyte)(nearest.ZeroPoints is null ? Int4BlockQuantizer.SymmetricZeroPoint : Int4BlockQuantizer.GetCode(nearest.ZeroPoints, (row * layout.ZeroPointRowBytes * 2) + b));
            }
        }
        var grid = new QuantizedWeight(codes, nearest.Scales, zeroPoints);
        int blockSize = layout.BlockSize;
        var rounded = GptqRounding.Round(values, grid, layout.Rows, (int)layout.RowStride, (int)layout.ElementStride,
            (row, column) => (row * blocks) + (column / blockSize), _ => 0, gram, 0, Int4BlockQuantizer.MaxCode);
        if (rounded is null) return null;

        var data = (byte[])nearest.Data.Clone();
        for (int row = 0; row < layout.Rows; row++)
        {
            for (int i = 0; i < layout.Length; i++)
            {
                Int4BlockQuantizer.SetCode(data, (row * rowBytes * 2) + i, rounded[checked((int)((row * layout.RowStride) + (i * layout.ElementStride)))]);
            }
        }
        return nearest with { Data = data };
    }
}
