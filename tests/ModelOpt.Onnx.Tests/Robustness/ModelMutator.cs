using Google.Protobuf;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>
/// Mutates serialized models. Blind byte mutations (bit flips, interesting bytes, truncation,
/// duplicated or removed slices, inflated varints) mostly test the protobuf parser. Structural
/// mutations change one field of the message tree and re-encode the enclosing lengths, so the
/// result still parses and reaches the reader's own checks: shapes, types, offsets, names.
/// </summary>
internal static class ModelMutator
{
    // Bytes that sit on boundaries: sign bits, varint continuation bits, zero, all ones.
    private static readonly byte[] InterestingBytes = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x08];

    // Values on the boundaries of the reader's arithmetic: counts, offsets, element type numbers.
    private static readonly ulong[] InterestingValues =
    [
        0, 1, 2, 3, 7, 8, 16, 17, 21, 22, 23, 26, 27, 127, 128, 255, 4096, 65535,
        int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue, 1UL << 40, (1UL << 40) + 1, 1UL << 62,
        long.MaxValue, unchecked((ulong)-1L), unchecked((ulong)-2L), unchecked((ulong)(long)int.MinValue),
    ];

    // Payloads for string and bytes fields, including the paths the external data checks exist for.
    private static readonly string[] InterestingStrings =
        ["", "..", "../x", "/etc/passwd", "a\0b", "C:\\x", "fuzz.onnx", "seed-external.onnx.data", "x/../../y", "offset", "length", "location", new string('a', 300)];

    /// <summary>A mutated copy of <paramref name="seed"/>.</summary>
    public static byte[] Mutate(ParsedSeed seed, Random random)
    {
        int plan = seed.Fields.Count == 0 ? 9 : random.Next(10);
        byte[] bytes = plan < 6 ? MutateField(seed, seed.Fields[random.Next(seed.Fields.Count)], random) : seed.Bytes;
        int blind = plan < 4 ? 0 : plan < 6 ? 1 : 1 + random.Next(3);
        for (int i = 0; i < blind; i++) bytes = MutateBytes(bytes, random);
        return bytes;
    }

    private static byte[] MutateField(ParsedSeed seed, Field target, Random random)
    {
        int choice = random.Next(4);
        byte[]? replacement = choice switch
        {
            // Remove the field (a dim, an input, a data field, a whole node) or repeat it.
            0 => [],
            1 => [.. seed.Encode(target), .. seed.Encode(target)],
            _ => target.WireType switch
            {
                0 => [.. target.Tag, .. Varint(InterestingValues[random.Next(InterestingValues.Length)])],
                2 when choice == 2 => [.. target.Tag, .. LengthDelimited(System.Text.Encoding.UTF8.GetBytes(InterestingStrings[random.Next(InterestingStrings.Length)]))],
                // A length prefix that lies about the payload; the damage stays inside the parent.
                2 => [.. target.Tag, .. Varint(LyingLength(seed.Encode(target).Length, random)), .. target.Payload],
                _ => [.. target.Tag, .. Enumerable.Repeat(InterestingBytes[random.Next(InterestingBytes.Length)], target.Payload.Length)],
            },
        };
        return seed.EncodeWith(target, replacement);
    }

    private static ulong LyingLength(int actual, Random random) => random.Next(3) switch
    {
        0 => (ulong)(actual + 1 + random.Next(8)),
        1 => (ulong)Math.Max(0, actual - 1 - random.Next(8)),
        _ => InterestingValues[random.Next(InterestingValues.Length)],
    };

    private static byte[] MutateBytes(byte[] bytes, Random random)
    {
        if (bytes.Length == 0) return [(byte)random.Next(256)];
        int at = random.Next(bytes.Length);
        switch (random.Next(6))
        {
            case 0:
            {
                byte[] copy = (byte[])bytes.Clone();
                copy[at] ^= (byte)(1 << random.Next(8));
                return copy;
            }
            case 1:
            {
                byte[] copy = (byte[])bytes.Clone();
                copy[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                return copy;
            }
            case 2:
                return bytes[..at];
            case 3:
            {
                int length = 1 + random.Next(Math.Min(64, bytes.Length - at));
                int insertAt = random.Next(bytes.Length + 1);
                return [.. bytes.AsSpan(0, insertAt), .. bytes.AsSpan(at, length), .. bytes.AsSpan(insertAt)];
            }
            case 4:
            {
                int length = 1 + random.Next(Math.Min(64, bytes.Length - at));
                return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + length)];
            }
            default:
                // A multi-byte varint where one byte was: inflates whatever count or length sat there.
                return [.. bytes.AsSpan(0, at), .. Varint(InterestingValues[random.Next(InterestingValues.Length)]), .. bytes.AsSpan(at + 1)];
        }
    }

    internal static byte[] Varint(ulong value)
    {
        var encoded = new byte[CodedOutputStream.ComputeUInt64Size(value)];
        var output = new CodedOutputStream(encoded);
        output.WriteUInt64(value);
        output.Flush();
        return encoded;
    }

    private static byte[] LengthDelimited(byte[] payload) => [.. Varint((ulong)payload.Length), .. payload];

    /// <summary>
    /// One field of the message tree: its encoded tag, wire type, and payload (the varint, the
    /// fixed bytes, or the length-delimited content); <see cref="Children"/> when the content parses as a message.
    /// </summary>
    internal sealed class Field(byte[] tag, int wireType, byte[] payload, List<Field>? children)
    {
        public byte[] Tag { get; } = tag;

        public int WireType { get; } = wireType;

        public byte[] Payload { get; } = payload;

        public List<Field>? Children { get; } = children;
    }

    /// <summary>A seed model with its fields found once, so that each iteration only re-encodes.</summary>
    internal sealed class ParsedSeed
    {
        private readonly List<Field> _roots;

        public ParsedSeed(string name, byte[] bytes)
        {
            Name = name;
            Bytes = bytes;
            _roots = TryParse(bytes, depth: 0) ?? [];
            Fields = [];
            Flatten(_roots);
        }

        public string Name { get; }

        public byte[] Bytes { get; }

        /// <summary>Every field at every depth, for picking one at random.</summary>
        public List<Field> Fields { get; }

        /// <summary>The field encoded as it is (tag and value).</summary>
        public byte[] Encode(Field field)
        {
            using var stream = new MemoryStream();
            Write(stream, field, null, null);
            return stream.ToArray();
        }

        /// <summary>The whole message with <paramref name="target"/> encoded as <paramref name="replacement"/> and every enclosing length recomputed.</summary>
        public byte[] EncodeWith(Field target, byte[] replacement)
        {
            using var stream = new MemoryStream();
            foreach (var root in _roots) Write(stream, root, target, replacement);
            return stream.ToArray();
        }

        private static void Write(Stream stream, Field field, Field? target, byte[]? replacement)
        {
            if (ReferenceEquals(field, target))
            {
                stream.Write(replacement);
                return;
            }
            stream.Write(field.Tag);
            if (field.Children is null)
            {
                if (field.WireType == 2) stream.Write(Varint((ulong)field.Payload.Length));
                stream.Write(field.Payload);
                return;
            }
            using var inner = new MemoryStream();
            foreach (var child in field.Children) Write(inner, child, target, replacement);
            stream.Write(Varint((ulong)inner.Length));
            inner.Position = 0;
            inner.CopyTo(stream);
        }

        private void Flatten(List<Field> fields)
        {
            foreach (var field in fields)
            {
                Fields.Add(field);
                if (field.Children is not null) Flatten(field.Children);
            }
        }

        /// <summary>
        /// The fields of <paramref name="bytes"/>, or null when they do not parse as a message
        /// (protobuf does not say which payloads are messages, so this guesses by trying).
        /// </summary>
        private static List<Field>? TryParse(ReadOnlySpan<byte> bytes, int depth)
        {
            var fields = new List<Field>();
            int position = 0;
            while (position < bytes.Length)
            {
                int tagStart = position;
                if (!TryReadVarint(bytes, ref position, out ulong tag) || tag >> 3 == 0 || tag >> 3 > 536_870_911) return null;
                byte[] tagBytes = bytes[tagStart..position].ToArray();
                int wireType = (int)(tag & 7);
                int valueStart = position;
                switch (wireType)
                {
                    case 0:
                        if (!TryReadVarint(bytes, ref position, out _)) return null;
                        fields.Add(new Field(tagBytes, 0, bytes[valueStart..position].ToArray(), null));
                        break;
                    case 1:
                    case 5:
                        position += wireType == 1 ? 8 : 4;
                        if (position > bytes.Length) return null;
                        fields.Add(new Field(tagBytes, wireType, bytes[valueStart..position].ToArray(), null));
                        break;
                    case 2:
                        if (!TryReadVarint(bytes, ref position, out ulong length) || length > (ulong)(bytes.Length - position)) return null;
                        var payload = bytes.Slice(position, (int)length);
                        position += (int)length;
                        var children = depth < 64 && payload.Length > 0 ? TryParse(payload, depth + 1) : null;
                        fields.Add(new Field(tagBytes, 2, payload.ToArray(), children));
                        break;
                    default:
                        return null;
                }
            }
            return fields;
        }

        private static bool TryReadVarint(ReadOnlySpan<byte> bytes, ref int position, out ulong value)
        {
            value = 0;
            for (int shift = 0; shift < 64 && position < bytes.Length; shift += 7)
            {
                byte b = bytes[position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return true;
            }
            return false;
        }
    }
}
