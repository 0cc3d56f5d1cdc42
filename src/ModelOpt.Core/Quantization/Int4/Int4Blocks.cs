namespace ModelOpt.Core.Quantization.Int4;

/// <summary>
/// A matrix of rows in blockwise 4-bit form: <c>w ≈ scale[r, b] · (code − zeroPoint[r, b])</c> for
/// the block b of row r that holds the element. Laid out as ONNX Runtime's MatMulNBits and
/// GatherBlockQuantized read it (ContribOperators.md): codes two to a byte, the first of each
/// pair in the low four bits.
/// </summary>
/// <param name="Data">The codes, row after row; each row is a whole number of bytes.</param>
/// <param name="Scales">One scale per block, row after row: [rows, blocks].</param>
/// <param name="ZeroPoints">
/// One 4-bit zero point per block, packed like <paramref name="Data"/> with every row padded to
/// whole bytes: [rows, ceil(blocks / 2)]. Null for symmetric blocks, whose zero point is the
/// runtime's default 8.
/// </param>
internal sealed record Int4Blocks(byte[] Data, float[] Scales, byte[]? ZeroPoints);
