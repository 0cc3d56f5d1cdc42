using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.TestUtilities;

/// <summary>
/// <c>Preprocessor</c> models (raw image <c>FLOAT[1,3,H,W]</c>, 0–255) for real models whose input
/// the image metadata alone cannot express, written as files for the data options.
/// </summary>
public static class Preprocessors
{
    /// <summary>
    /// M-LSD's input: NHWC RGB kept in 0–255 with a fourth channel of constant 1, as the
    /// package's Preprocess.compute fills it (the model normalizes inside).
    /// </summary>
    public static string WriteMlsd(string path, int height, int width)
    {
        var b = new GraphBuilder("mlsd_preprocess");
        var image = b.Input("image", 1, 3, height, width);
        var nhwc = b.Op("Transpose", [image], "nhwc", NodeAttribute.FromInts("perm", [0, 2, 3, 1]));
        var ones = b.Weight("alpha", [1, height, width, 1], Enumerable.Repeat(1f, height * width).ToArray());
        b.Output(b.Op("Concat", [nhwc, ones], "input", NodeAttribute.FromInt("axis", 3)));
        OnnxModelWriter.Save(b.Build(13), path);
        return path;
    }
}
