using System.Buffers;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Benchmarks;

/// <summary>
/// Checks that a saved model's external tensors hold exactly the bytes of the original's,
/// tensor by tensor (the writer may lay the data file out differently), streaming both files.
/// </summary>
internal static class ExternalDataComparer
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>How many of the original's initializers the copy holds byte for byte, and why the first one that differs does.</summary>
    public static (int Identical, int Total, string? FirstDifference) Compare(string originalPath, string copyPath)
    {
        using var original = OnnxModelReader.Load(originalPath);
        using var copy = OnnxModelReader.Load(copyPath);
        var copies = copy.Graph.Initializers.ToDictionary(v => v.Name, v => v.Initializer!, StringComparer.Ordinal);

        int identical = 0;
        string? firstDifference = null;
        foreach (var value in original.Graph.Initializers)
        {
            string? why = !copies.TryGetValue(value.Name, out var copied) ? "missing in the copy"
                : copied.External is null ? "not external in the copy"
                : value.Initializer!.External is not { } source ? "not external in the original"
                : !SameBytes(source, copied.External) ? "bytes differ"
                : null;
            if (why is null) identical++;
            else firstDifference ??= $"{value.Name}: {why}";
        }
        return (identical, original.Graph.Initializers.Count, firstDifference);
    }

    private static bool SameBytes(ExternalDataReference a, ExternalDataReference b)
    {
        if (a.Length != b.Length) return false;
        using var fileA = File.OpenHandle(a.FullPath);
        using var fileB = File.OpenHandle(b.FullPath);
        byte[] bufferA = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        byte[] bufferB = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (long done = 0; done < a.Length;)
            {
                int want = (int)Math.Min(ChunkBytes, a.Length - done);
                if (!ReadExactly(fileA, bufferA.AsSpan(0, want), a.Offset + done) || !ReadExactly(fileB, bufferB.AsSpan(0, want), b.Offset + done)) return false;
                if (!bufferA.AsSpan(0, want).SequenceEqual(bufferB.AsSpan(0, want))) return false;
                done += want;
            }
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bufferA);
            ArrayPool<byte>.Shared.Return(bufferB);
        }
    }

    private static bool ReadExactly(Microsoft.Win32.SafeHandles.SafeFileHandle file, Span<byte> buffer, long offset)
    {
        while (buffer.Length > 0)
        {
            int read = RandomAccess.Read(file, buffer, offset);
            if (read == 0) return false;
            buffer = buffer[read..];
            offset += read;
        }
        return true;
    }
}
