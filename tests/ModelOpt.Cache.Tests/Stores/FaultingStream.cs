namespace ModelOpt.Cache.Tests.Stores;

/// <summary>
/// A stream that writes <c>bytesBeforeFault</c> bytes through and then fails as a full disk does
/// (ENOSPC): the state a killed or starved writer leaves is a partly written temporary file.
/// </summary>
internal sealed class FaultingStream(Stream inner, long bytesBeforeFault) : Stream
{
    private long _written;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written;
    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int allowed = (int)Math.Clamp(bytesBeforeFault - _written, 0, buffer.Length);
        inner.Write(buffer[..allowed]);
        _written += allowed;
        if (allowed < buffer.Length) throw new IOException("No space left on device");
    }

    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
