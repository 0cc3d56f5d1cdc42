using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Core.Data;

/// <summary>The sample file readers, and the one place that turns I/O failures of sample files into diagnostics.</summary>
internal static class SampleFileReaders
{
    /// <summary>The readers of tensor files: ONNX <c>TensorProto</c> (<c>.pb</c>) and NumPy (<c>.npy</c>).</summary>
    public static IReadOnlyList<ISampleFileReader> Tensors { get; } = [TensorProtoFile.Instance, NpyFile.Instance];

    /// <summary>Every reader: tensors, then images (<c>.png</c>, <c>.jpg</c>, <c>.jpeg</c>, <c>.bmp</c>) and text (<c>.txt</c>).</summary>
    public static IReadOnlyList<ISampleFileReader> All { get; } = [TensorProtoFile.Instance, NpyFile.Instance, ImageFile.Instance, TextFile.Instance];

    /// <summary>The reader of <paramref name="readers"/> for <paramref name="path"/>'s extension, or null when none reads it.</summary>
    public static ISampleFileReader? Find(IReadOnlyList<ISampleFileReader> readers, string path)
        => readers.FirstOrDefault(r => r.Extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The extensions of <paramref name="readers"/> for messages: ".pb or .npy".</summary>
    public static string Describe(IReadOnlyList<ISampleFileReader> readers)
    {
        string[] extensions = [.. readers.SelectMany(r => r.Extensions)];
        return extensions.Length == 1 ? extensions[0] : string.Join(", ", extensions[..^1]) + " or " + extensions[^1];
    }

    /// <summary>The bytes of a sample file; a file that cannot be read is <see cref="DiagnosticCode.FileNotReadable"/>.</summary>
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
