namespace ModelOpt.Core.Opsets;

/// <summary>
/// The lowest IR version that can carry each ONNX opset, from the release table in ONNX's
/// <c>onnx/helper.py</c> (<c>VERSION_TABLE</c>): opset 9 came with IR 4, 11 with IR 6, 21 with IR 10.
/// </summary>
internal static class IrVersions
{
    public static long MinimumFor(long opset) => opset switch
    {
        <= 8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };
}
