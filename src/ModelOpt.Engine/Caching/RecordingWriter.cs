using System.Text;

namespace ModelOpt.Engine.Caching;

/// <summary>Passes lines on to another writer and keeps a copy: the warnings a job printed, stored with its cache entry and replayed on a hit.</summary>
internal sealed class RecordingWriter : TextWriter
{
    private readonly TextWriter _inner;
    private readonly StringBuilder _text = new();

    public RecordingWriter(TextWriter inner)
    {
        _inner = inner;
    }

    public override Encoding Encoding => _inner.Encoding;

    /// <summary>The complete lines written so far.</summary>
    public IReadOnlyList<string> Lines => _text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public override void Write(char value)
    {
        _text.Append(value);
        _inner.Write(value);
    }

    public override void Write(string? value)
    {
        _text.Append(value);
        _inner.Write(value);
    }

    public override void WriteLine(string? value)
    {
        _text.Append(value).Append('\n');
        _inner.WriteLine(value);
    }

    public override void Flush() => _inner.Flush();
}
