using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Onnx.Serialization;

/// <summary>
/// Paths that come from a project file or a command line. They may be empty or hold characters
/// no file system accepts; that is the user's input, so it gets a diagnostic, not an ArgumentException.
/// </summary>
internal static class UserPath
{
    /// <summary>The absolute form of <paramref name="path"/>, or a <see cref="ModelOptException"/> with <paramref name="code"/>.</summary>
    public static string GetFullPath(string path, string code, string role)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new ModelOptException(code, path.Length == 0 ? null : Printable(path),
                $"'{Printable(path)}' is not a valid file path ({e.Message}). Check the {role} path.", e);
        }
    }

    /// <summary>The path with NUL characters made visible, for messages.</summary>
    public static string Printable(string path) => path.Replace("\0", "\\0", StringComparison.Ordinal);
}
