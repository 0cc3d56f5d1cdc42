namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// How a 2-D FLOAT weight is cut into rows of blocks for one operator: the element (r, i) of
/// the logical matrix (row r, position i along the blocked axis) is
/// <c>values[r · RowStride + i · ElementStride]</c>; and the shapes the operator expects for
/// the codes, the scales and the zero points.
/// </summary>
/// <param name="Operator">The operator the layout is for; also tells cached layouts of one weight apart.</param>
/// <param name="Rows">Rows (one per output feature, or one per table entry).</param>
/// <param name="Length">Elements per row along the blocked (reduction) axis.</param>
/// <param name="RowStride">Distance between rows in the weight's element order.</param>
/// <param name="ElementStride">Distance between neighbours along the blocked axis.</param>
/// <param name="BlockSize">Elements per block.</param>
/// <param name="PadRowsToBlocks">Whether every row is stored as whole blocks (the last one padded), or as exactly <paramref name="Length"/> codes.</param>
/// <param name="DataDims">Shape of the UINT8 codes tensor.</param>
/// <param name="ScaleDims">Shape of the FLOAT scales tensor.</param>
/// <param name="ZeroPointDims">Shape of the UINT8 zero points tensor (asymmetric only).</param>
internal sealed record Int4Layout(string Operator, int Rows, int Length, long RowStride, long ElementStride, int BlockSize,
    bool PadRowsToBlocks, long[] DataDims, long[] ScaleDims, long[] ZeroPointDims)
{
    /// <summary>Blocks per row; the last one may be partly padding.</summary>
    public int Blocks => (Length + BlockSize - 1) / BlockSize;

    /// <summary>Bytes of codes per row.</summary>
    public int RowBytes => (PadRowsToBlocks ? Blocks * BlockSize : Length) / 2;

    /// <summary>Bytes of zero points per row: two to a byte, rows padded to whole bytes.</summary>
    public int ZeroPointRowBytes => (Blocks + 1) / 2;

    /// <summary>Bytes the 4-bit form takes: codes, FLOAT scales, and zero points when stored.</summary>
    public long ByteCount(bool symmetric)
        => (long)Rows * RowBytes + (long)Rows * Blocks * sizeof(float) + (symmetric ? 0 : (long)Rows * ZeroPointRowBytes);

    /// <summary>
    /// MatMul's B [K, N] for com.microsoft.MatMulNBits: one row per output column n, blocked
    /// along K, so element (n, k) is B[k, n]. Codes [N, ceil(K / block), block / 2] with the last
    /// block of each column padded; scales [N, blocks] (the 2-D form ContribOperators.md
    /// documents; ONNX Runtime also accepts the older 1-D [N · blocks]).
    /// </summary>
    public static Int4Layout ForMatMulNBits(int k, int n, int blockSize)
    {
        int blocks = (k + blockSize - 1) / blockSize;
        return new Int4Layout("MatMulNBits", n, k, RowStride: 1, ElementStride: n, blockSize, PadRowsToBlocks: true,
            [n, blocks, blockSize / 2], [n, blocks], [n, (blocks + 1) / 2]);
    }

    /// <summary>
    /// An embedding table [V, H] for com.microsoft.GatherBlockQuantized with UINT8 data and
    /// bits=4: one row per entry, blocked along H (quantize_axis 1). Codes [V, H / 2] with no
    /// padding, so H must be even; scales [V, ceil(H / block)].
    /// </summary>
    public static Int4Layout ForGatherBlockQuantized(int entries, int width, int blockSize)
    {
        // EmbeddingGatherQuantizer leaves odd widths in float; a half code would be lost here.
        if (width % 2 != 0) throw new ArgumentException($"Row length {width} is odd; 4-bit rows without padding need an even length.", nameof(width));
        int blocks = (width + blockSize - 1) / blockSize;
        return new Int4Layout("GatherBlockQuantized", entries, width, RowStride: width, ElementStride: 1, blockSize, PadRowsToBlocks: false,
            [entries, width / 2], [entries, blocks], [entries, (blocks + 1) / 2]);
    }
}
