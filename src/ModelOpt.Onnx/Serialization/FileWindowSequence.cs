using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelOpt.Onnx.Serialization;

/// <summary>
/// A file as a <see cref="ReadOnlySequence{T}"/> of small windows that are read only when the
/// parser reaches them. Protobuf parses a sequence of known length better than a
/// <see cref="Stream"/>: it sizes every packed repeated field (<c>float_data</c>, …) and bytes
/// field (<c>raw_data</c>) exactly and copies it in bulk, where from a stream it grows them
/// element by element through a 4 KiB buffer. On ResNet18 (weights in <c>float_data</c>) the
/// stream cost 1.75x the weights in retained memory, about 2x at the peak, and 5x the parse
/// time (docs/benchmarks.md). Unlike mapping or reading the whole file, only the windows the
/// parser holds stay in memory.
/// </summary>
internal static class FileWindowSequence
{
    // Below the large object heap threshold (85,000 bytes), so windows the parser has passed
    // die young in gen0 instead of waiting for a full collection.
    private const int WindowBytes = 64 * 1024;

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="file"/>; the handle must stay open while the sequence is read.</summary>
    public static ReadOnlySequence<byte> Create(SafeFileHandle file, long length)
    {
        if (length == 0) return ReadOnlySequence<byte>.Empty;
        Segment? first = null;
        Segment? last = null;
        Window? previous = null;
        for (long offset = 0; offset < length; offset += WindowBytes)
        {
            var window = new Window(file, offset, (int)Math.Min(WindowBytes, length - offset), previous);
            var segment = new Segment(window.Memory, offset);
            if (last is null) first = segment;
            else last.Append(segment);
            last = segment;
            previous = window;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>
    /// One window of the file, read on first access. Reading it lets go of the window before,
    /// which the parser has passed; a span it still holds keeps that array alive, and a window
    /// asked for again is simply read again, so correctness never depends on the access order.
    /// </summary>
    private sealed class Window(SafeFileHandle file, long offset, int length, Window? previous) : MemoryManager<byte>
    {
        private byte[]? _data;

        // The base class would call GetSpan() for the length, reading every window up front.
        public override Memory<byte> Memory => CreateMemory(length);

        public override Span<byte> GetSpan() => _data ?? Read();

        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(_data ?? Read(), GCHandleType.Pinned);
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }

        private byte[] Read()
        {
            var data = new byte[length];
            for (int done = 0; done < length;)
            {
                int read = RandomAccess.Read(file, data.AsSpan(done), offset + done);
                if (read == 0) throw new IOException($"the file ended at byte {offset + done} while being read; it changed during the load.");
                done += read;
            }
            _data = data;
            if (previous is not null) previous._data = null;
            return data;
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void Append(Segment next) => Next = next;
    }
}
