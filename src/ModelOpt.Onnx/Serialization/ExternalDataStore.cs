using System.Buffers;
using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Onnx.Serialization;

/// <summary>
/// The external data files of one loaded model. Locations are validated before any byte is
/// read (they must stay inside the model's folder: no absolute paths, no <c>..</c>, no
/// symbolic links), files are memory-mapped once when data is first asked for, and saving
/// streams ranges with ordinary reads so that copying gigabytes does not raise the resident size.
/// Each data file is opened once, when the model is loaded, and read through that handle: the
/// bytes are those of the file that was checked, even when its path is replaced later (saving
/// a model over its own files renames a new data file into place, with other offsets).
/// </summary>
public sealed class ExternalDataStore : IDisposable
{
    private readonly Dictionary<string, MemoryMappedFile> _mappedFiles = new(StringComparer.Ordinal);
    private readonly List<MemoryMappedViewAccessor> _views = [];
    private readonly Dictionary<string, SafeFileHandle> _handles = new(StringComparer.Ordinal);
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
        if (!_handles.TryGetValue(full, out var handle))
        {
            if (!File.Exists(full))
            {
                throw new ModelOptException(DiagnosticCode.ExternalDataOutOfRange, modelPath,
                    $"tensor '{tensorName}': external data file '{location}' does not exist next to the model. Copy the data file beside the model, or re-export the model with its data inside.");
            }
            try
            {
                handle = Open(full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ModelOptException(DiagnosticCode.FileNotReadable, modelPath,
                    $"tensor '{tensorName}': external data file '{location}' cannot be read: {e.Message}", e);
            }
            _handles[full] = handle;
        }
        long fileLength = RandomAccess.GetLength(handle);
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
        MemoryMappedViewAccessor view;
        try
        {
            var handle = EnsureStillInFile(reference);
            if (!_mappedFiles.TryGetValue(reference.FullPath, out var file))
            {
                file = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
                _mappedFiles[reference.FullPath] = file;
            }
            view = file.CreateViewAccessor(reference.Offset, reference.Length, MemoryMappedFileAccess.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(reference, e);
        }
        _views.Add(view);
        return new MappedViewMemory(view, (int)reference.Length).Memory;
    }

    /// <summary>Streams a reference's bytes into <paramref name="destination"/> through a small buffer.</summary>
    internal void CopyTo(ExternalDataReference reference, Stream destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SafeFileHandle handle;
        try
        {
            handle = EnsureStillInFile(reference);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(reference, e);
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long position = reference.Offset;
            long remaining = reference.Length;
            while (remaining > 0)
            {
                int read;
                try
                {
                    read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, remaining)), position);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw Unreadable(reference, e);
                }
                if (read == 0) throw Changed(reference, "it ended early while being read");
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

    // Shared with writers and deleters: saving over the model's own files must stay possible.
    private static SafeFileHandle Open(string path) => File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);

    // The data file was checked when the model was loaded, but it is read later (when a pass
    // or the writer asks for the bytes) and may have been truncated since; mapping a range
    // past its end would fail with an ArgumentOutOfRangeException, or fault when read.
    private SafeFileHandle EnsureStillInFile(ExternalDataReference reference)
    {
        if (!_handles.TryGetValue(reference.FullPath, out var handle))
        {
            // A reference made by Tensor.FromExternalFile rather than by loading a model.
            handle = Open(reference.FullPath);
            _handles[reference.FullPath] = handle;
        }
        long length = RandomAccess.GetLength(handle);
        if (reference.Offset + reference.Length > length) throw Changed(reference, $"it is now {length} bytes");
        return handle;
    }

    private static ModelOptException Changed(ExternalDataReference reference, string what)
        => new(DiagnosticCode.ExternalDataOutOfRange, reference.FullPath,
            $"external data file '{reference.Location}' changed after the model was loaded ({what}; the tensor needs offset {reference.Offset}, length {reference.Length}). Load the model again.");

    private static ModelOptException Unreadable(ExternalDataReference reference, Exception e)
        => e is FileNotFoundException or DirectoryNotFoundException
            ? new(DiagnosticCode.ExternalDataOutOfRange, reference.FullPath,
                $"external data file '{reference.Location}' does not exist. Restore it or load the model again.", e)
            : new(DiagnosticCode.FileNotReadable, reference.FullPath,
                $"external data file '{reference.Location}' cannot be read: {e.Message}", e);

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
        foreach (var handle in _handles.Values) handle.Dispose();
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
