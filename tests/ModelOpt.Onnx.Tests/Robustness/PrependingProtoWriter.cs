using System.Text;
using Google.Protobuf;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>
/// Writes protobuf wire format back to front. Nesting a message then costs only a prefix
/// (tag and length of what is already written), so thousands of levels are built in linear
/// time without the recursion that serializing nested message objects would need.
/// </summary>
internal sealed class PrependingProtoWriter(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    private int _start = capacity;

    /// <summary>Bytes written so far.</summary>
    public int Length => _buffer.Length - _start;

    /// <summary>Wraps everything written so far as length-delimited field <paramref name="fieldNumber"/>.</summary>
    public void WrapAsField(int fieldNumber)
    {
        PrependVarint((ulong)Length);
        PrependVarint(Tag(fieldNumber, 2));
    }

    /// <summary>Prepends a string field.</summary>
    public void PrependString(int fieldNumber, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        PrependBytes(bytes);
        PrependVarint((ulong)bytes.Length);
        PrependVarint(Tag(fieldNumber, 2));
    }

    /// <summary>Prepends an already encoded message as field <paramref name="fieldNumber"/>.</summary>
    public void PrependMessage(int fieldNumber, byte[] body)
    {
        PrependBytes(body);
        PrependVarint((ulong)body.Length);
        PrependVarint(Tag(fieldNumber, 2));
    }

    /// <summary>Prepends a varint field.</summary>
    public void PrependVarintField(int fieldNumber, ulong value)
    {
        PrependVarint(value);
        PrependVarint(Tag(fieldNumber, 0));
    }

    /// <summary>The finished message.</summary>
    public byte[] ToArray() => _buffer.AsSpan(_start).ToArray();

    private static ulong Tag(int fieldNumber, int wireType) => ((ulong)fieldNumber << 3) | (uint)wireType;

    private void PrependBytes(ReadOnlySpan<byte> bytes)
    {
        _start -= bytes.Length;
        bytes.CopyTo(_buffer.AsSpan(_start));
    }

    private void PrependVarint(ulong value)
    {
        byte[] encoded = new byte[CodedOutputStream.ComputeUInt64Size(value)];
        var output = new CodedOutputStream(encoded);
        output.WriteUInt64(value);
        output.Flush();
        PrependBytes(encoded);
    }
}
