using System.Buffers;
using System.IO.MemoryMappedFiles;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Onnx.Serialization;

/// <summary>
/// The external data files of one loaded model. Locations are validated before any byte is
/// read (they must stay inside the model's folder: no absolute paths, no <c>..</c>, no
/// symbolic links), files are memory-mapped once when data is first asked for, and saving
/// streams ranges with ordinary reads so that copying gigabytes does not raise the resident size.
/// </summary>
public sealed class ExternalDataStore : IDisposable
{
    private readonly Dictionary<string, MemoryMappedFile> _mappedFiles = new(StringComparer.Ordinal);
    private readonly List<MemoryMappedViewAccessor> _views = [];
    private readonly Dictionary<string, long> _fileLengths = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Creates a store for a model in <paramref name="modelDirectory"/>.</summary>
    public ExternalDataStore(string modelDirectory)
    {
        ModelDirectory = Path.GetFullPath(modelDirectory);
    }

    /// <summary>The folder that external data locations are relative to.</summary>
    public string ModelDirectory { get; }

    /// <summary>
    /// Checks a location and a byte range and returns the reference, or throws a
    /// <see cref="ModelOptException"/> naming the model file and the tensor.
    /// </summary>
    internal ExternalDataReference Resolve(string modelPath, string tensorName, string location, long offset, long? length, long expectedLength)
    {
        string full = ResolveInsideModelFolder(modelPath, tensorName, location);
        if (!_fileLengths.TryGetValue(full, out long fileLength))
        {
            var info = new FileInfo(full);
            if (!info.Exists)
            {
                throw new ModelOptException(DiagnosticCode.ExternalDataOutOfRange, modelPath,
                    $"tensor '{tensorName}': external data file '{location}' does not exist next to the model. Copy the data file beside the model, or re-export the model with its data inside.");
            }
            fileLength = info.Length;
            _fileLengths[full] = fileLength;
        }
        long actualLength = length ?? (fileLength - offset);
        if (offset < 0 || actualLength < 0 || offset > fileLength || actualLength > fileLength - offset)
        {
            throw new ModelOptException(DiagnosticCode.ExternalDataOutOfRange, modelPath,
                $"tensor '{tensorName}': external data range offset {offset}, length {actualLength} lies outside '{location}' ({fileLength} bytes). The data file is truncated or does not belong to this model.");
        }
        if (expectedLength >= 0 && actualLength != expectedLength)
        {
            throw new ModelOptException(DiagnosticCode.TensorDataMismatch, modelPath,
                $"tensor '{tensorName}': external data length {actualLength} does not match the {expectedLength} bytes its type and shape need.");
        }
        return new ExternalDataReference(location, full, offset, actualLength);
    }

    private string ResolveInsideModelFolder(string modelPath, string tensorName, string location)
    {
        ModelOptException Escape(string why) => new(DiagnosticCode.ExternalDataOutsideModelFolder, modelPath,
            $"tensor '{tensorName}': external data location '{location}' is rejected: {why}. External data must be a file inside the model's folder.");

        if (string.IsNullOrEmpty(location)) throw Escape("it is empty");
        if (location.Contains('\0', StringComparison.Ordinal)) throw Escape("it contains a NUL character");
        if (Path.IsPathRooted(location) || location.StartsWith('/') || location.StartsWith('\\') || location.Contains(':', StringComparison.Ordinal))
        {
            throw Escape("it is an absolute path");
        }
        string[] segments = location.Split('/', '\\');
        if (segments.Any(s => s == "..")) throw Escape("it climbs out with '..'");

        // Walk the path one segment at a time so that a link anywhere below the model's
        // folder (a linked file or a linked subfolder) is caught, not only the last one.
        string current = ModelDirectory;
        foreach (string segment in segments.Where(s => s.Length > 0 && s != "."))
        {
            current = Path.Combine(current, segment);
            var info = new FileInfo(current);
            if (info.Exists || Directory.Exists(current))
            {
                FileSystemInfo entry = info.Exists ? info : new DirectoryInfo(current);
                if (entry.LinkTarget is not null) throw Escape("it goes through a symbolic link");
            }
        }
        return Path.GetFullPath(current);
    }

    /// <summary>The bytes of a reference, mapped from the file without copying.</summary>
    internal ReadOnlyMemory<byte> GetMemory(ExternalDataReference reference)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (reference.Length == 0) return ReadOnlyMemory<byte>.Empty;
        if (reference.Length > int.MaxValue)
        {
            throw new NotSupportedException($"Tensor data of {reference.Length} bytes in '{reference.Location}' is larger than one memory span; stream it with CopyRawDataTo.");
        }
        if (!_mappedFiles.TryGetValue(reference.FullPath, out var file))
        {
            file = MemoryMappedFile.CreateFromFile(reference.FullPath, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _mappedFiles[reference.FullPath] = file;
        }
        var view = file.CreateViewAccessor(reference.Offset, reference.Length, MemoryMappedFileAccess.Read);
        _views.Add(view);
        return new MappedViewMemory(view, (int)reference.Length).Memory;
    }

    /// <summary>Streams a reference's bytes into <paramref name="destination"/> through a small buffer.</summary>
    internal void CopyTo(ExternalDataReference reference, Stream destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var handle = File.OpenHandle(reference.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long position = reference.Offset;
            long remaining = reference.Length;
            while (remaining > 0)
            {
                int read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, remaining)), position);
                if (read == 0) throw new IOException($"'{reference.FullPath}' ended early.");
                destination.Write(buffer, 0, read);
                position += read;
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var view in _views)
        {
            // Each view's pointer was acquired once by MappedViewMemory; release it so the mapping really closes.
            view.SafeMemoryMappedViewHandle.ReleasePointer();
            view.Dispose();
        }
        foreach (var file in _mappedFiles.Values) file.Dispose();
    }

    /// <summary>Exposes a mapped view as <see cref="Memory{T}"/>.</summary>
    private sealed unsafe class MappedViewMemory : MemoryManager<byte>
    {
        private readonly byte* _pointer;
        private readonly int _length;

        public MappedViewMemory(MemoryMappedViewAccessor view, int length)
        {
            byte* basePointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            _pointer = basePointer + view.PointerOffset;
            _length = length;
        }

        public override Span<byte> GetSpan() => new(_pointer, _length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
