using System.Globalization;
using System.Text;

namespace ModelOpt.Onnx.Serialization;

/// <summary>
/// Writes files completely or not at all: bytes go to a temporary file in the destination's
/// folder, which is then renamed over the destination. A killed process leaves at most a
/// temporary file, never a half-written output.
/// </summary>
public static class AtomicFile
{
    private static long s_counter;

    /// <summary>
    /// A temporary path beside <paramref name="finalPath"/>. Temporary names never reach an
    /// output, so they may differ between runs: the process id keeps parallel builds apart,
    /// the counter keeps writes within one process apart.
    /// </summary>
    public static string TemporaryPathFor(string finalPath)
        => string.Create(CultureInfo.InvariantCulture, $"{finalPath}.tmp{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temp = TemporaryPathFor(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Writes UTF-8 text (no byte order mark) to <paramref name="path"/>, atomically.</summary>
    public static void WriteAllText(string path, string text)
        => Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)));
}
