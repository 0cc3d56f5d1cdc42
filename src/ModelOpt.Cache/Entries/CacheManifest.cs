using System.Text;
using System.Text.Json;
using ModelOpt.Cache.Keys;

namespace ModelOpt.Cache.Entries;

/// <summary>
/// The action entry of one key (<c>/ac/&lt;key&gt;</c>): which outputs the job made, by digest,
/// and the warnings it printed (replayed on a hit, as a build system replays a cached action's
/// output). Written as JSON in one fixed form, so equal manifests are equal bytes and the
/// signature covers exactly what a reader sees.
/// </summary>
public sealed record CacheManifest(string Key, string ToolVersion, IReadOnlyList<CacheOutput> Outputs, IReadOnlyList<string> Warnings)
{
    /// <summary>The manifest format; a reader ignores entries of other formats.</summary>
    public const int Format = 1;

    /// <summary>The HMAC-SHA256 of the unsigned form (lowercase hex), or null when unsigned.</summary>
    public string? Signature { get; init; }

    /// <summary>The output named <paramref name="name"/>, or null.</summary>
    public CacheOutput? Output(string name) => Outputs.FirstOrDefault(o => o.Name == name);

    /// <summary>The manifest's bytes; <paramref name="signed"/> false leaves the signature out (the bytes it signs).</summary>
    public byte[] ToBytes(bool signed = true)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", Format);
            json.WriteString("key", Key);
            json.WriteString("toolVersion", ToolVersion);
            json.WriteStartArray("outputs");
            foreach (var output in Outputs)
            {
                json.WriteStartObject();
                json.WriteString("name", output.Name);
                json.WriteString("digest", output.Digest);
                json.WriteNumber("size", output.Size);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("warnings");
            foreach (string warning in Warnings) json.WriteStringValue(warning);
            json.WriteEndArray();
            if (signed && Signature is not null) json.WriteString("signature", Signature);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>
    /// Reads a manifest; null when the bytes are not one (truncated, another format, a digest
    /// that is not a SHA-256): the caller treats that as a corrupt entry.
    /// </summary>
    public static CacheManifest? Parse(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.GetProperty("format").GetInt32() != Format) return null;
            var outputs = root.GetProperty("outputs").EnumerateArray()
                .Select(o => new CacheOutput(o.GetProperty("name").GetString()!, o.GetProperty("digest").GetString()!, o.GetProperty("size").GetInt64()))
                .ToArray();
            if (outputs.Any(o => !ContentDigest.IsDigest(o.Digest) || o.Size < 0)) return null;
            var warnings = root.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToArray();
            return new CacheManifest(root.GetProperty("key").GetString()!, root.GetProperty("toolVersion").GetString()!, outputs, warnings)
            {
                Signature = root.TryGetProperty("signature", out var signature) ? signature.GetString() : null,
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The manifest as text (what a person opening the entry sees).</summary>
    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}
