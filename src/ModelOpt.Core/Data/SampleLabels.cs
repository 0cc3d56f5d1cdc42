using System.Globalization;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Core.Data;

/// <summary>
/// The class labels of a data folder, for training with cross-entropy besides distillation:
/// <c>labels.txt</c> (one class index per line) or <c>labels.npy</c> (a one-dimensional integer
/// array), one label per sample in the folder's sample order. Neither file is a sample.
/// </summary>
public static class SampleLabels
{
    /// <summary>The text file's name.</summary>
    public const string TextFileName = "labels.txt";

    /// <summary>The NumPy file's name.</summary>
    public const string NpyFileName = "labels.npy";

    /// <summary>Whether <paramref name="path"/> names a labels file rather than a sample.</summary>
    public static bool IsLabelsFile(string path)
        => string.Equals(Path.GetFileName(path), TextFileName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(Path.GetFileName(path), NpyFileName, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The labels of <paramref name="folder"/>, or null when it has none. A label that is not a
    /// non-negative integer, or a count that differs from <paramref name="sampleCount"/>, is
    /// <see cref="DiagnosticCode.InvalidOption"/> naming the file and what to fix.
    /// </summary>
    public static IReadOnlyList<int>? Read(string folder, int sampleCount, string optionName)
    {
        string text = Path.Combine(folder, TextFileName);
        string npy = Path.Combine(folder, NpyFileName);
        if (File.Exists(text) && File.Exists(npy))
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, folder,
                $"{optionName} has both {TextFileName} and {NpyFileName}; keep one.");
        }
        int[]? labels = File.Exists(text) ? ReadText(text) : File.Exists(npy) ? ReadNpy(npy) : null;
        if (labels is null) return null;
        string file = File.Exists(text) ? text : npy;
        if (labels.Length != sampleCount)
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, file,
                $"{optionName}: {labels.Length} labels for {sampleCount} samples; give one class index per sample, in the folder's sample order.");
        }
        return labels;
    }

    private static int[] ReadText(string path)
    {
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        var labels = new int[lines.Length];
        for (int i = 0; i < lines.Length; i++)
        {
            if (!int.TryParse(lines[i], NumberStyles.None, CultureInfo.InvariantCulture, out labels[i]))
            {
                throw new ModelOptException(DiagnosticCode.InvalidOption, path,
                    $"line {i + 1}: '{lines[i]}' is not a class index (a non-negative integer).");
            }
        }
        return labels;
    }

    private static int[] ReadNpy(string path)
    {
        var tensor = NpyFile.Instance.Read(path);
        if (tensor.Shape.Count != 1)
        {
            throw new ModelOptException(DiagnosticCode.InvalidOption, path,
                $"labels must be a one-dimensional integer array; this one has shape {tensor.ShapeText}.");
        }
        var bytes = tensor.Data.Span;
        return tensor.ElementType switch
        {
            Onnx.Ir.ElementType.Int64 => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes).ToArray().Select(v => Checked(v, path))],
            Onnx.Ir.ElementType.Int32 => [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(bytes).ToArray().Select(v => Checked(v, path))],
            Onnx.Ir.ElementType.UInt8 => [.. bytes.ToArray().Select(v => (int)v)],
            _ => throw new ModelOptException(DiagnosticCode.InvalidOption, path,
                $"labels must be integers (int64, int32 or uint8); this array holds {tensor.ElementType}."),
        };
    }

    private static int Checked(long value, string path) => value is >= 0 and <= int.MaxValue ? (int)value
        : throw new ModelOptException(DiagnosticCode.InvalidOption, path, $"label {value} is not a class index (a non-negative integer).");
}
