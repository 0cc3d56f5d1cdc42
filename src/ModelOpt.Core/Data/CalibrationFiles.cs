using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Core.Data;

/// <summary>File access shared by the calibration readers: one place that turns I/O failures into diagnostics.</summary>
internal static class CalibrationFiles
{
    /// <summary>True for the extensions calibration folders may hold: <c>.pb</c> (TensorProto) and <c>.npy</c>.</summary>
    public static bool IsTensorFile(string path)
        => path.EndsWith(".pb", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads one tensor file of either format.</summary>
    public static CalibrationTensor ReadTensor(string path)
        => path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)
            // A .npy file has no tensor name; its file name binds it when it equals an input's name.
            ? NpyFile.Read(path, Path.GetFileNameWithoutExtension(path))
            : TensorProtoFile.Read(path);

    public static byte[] ReadAll(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelOptException(DiagnosticCode.FileNotReadable, path, $"calibration file '{path}' cannot be read: {e.Message}");
        }
    }
}
