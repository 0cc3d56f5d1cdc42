using System.Globalization;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Core.Data;

/// <summary>
/// The header of a <c>.npy</c> file: a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }</c>. Parsed with a
/// small tokenizer (strings, True/False, integer tuples), never evaluated.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, long[] Shape)
{
    public static NpyHeader Parse(string header, string path)
    {
        var reader = new Reader(header, path);
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        reader.Expect('{');
        while (!reader.TryConsume('}'))
        {
            string key = reader.String();
            reader.Expect(':');
            switch (key)
            {
                case "descr": descr = reader.String(); break;
                case "fortran_order": fortran = reader.Boolean(); break;
                case "shape": shape = reader.IntegerTuple(); break;
                default: throw reader.Error($"has an unknown header key '{key}'");
            }
            if (!reader.TryConsume(','))
            {
                reader.Expect('}');
                break;
            }
        }
        if (descr is null || fortran is null || shape is null) throw reader.Error("lacks 'descr', 'fortran_order' or 'shape' in its header");
        return new NpyHeader(descr, fortran.Value, shape);
    }

    private sealed class Reader(string text, string path)
    {
        private int _position;

        public void Expect(char c)
        {
            if (!TryConsume(c)) throw Error($"has a malformed header (expected '{c}' at offset {_position})");
        }

        public bool TryConsume(char c)
        {
            SkipSpace();
            if (_position < text.Length && text[_position] == c)
            {
                _position++;
                return true;
            }
            return false;
        }

        public string String()
        {
            SkipSpace();
            if (_position >= text.Length || text[_position] is not ('\'' or '"')) throw Error("has a malformed header (expected a string)");
            char quote = text[_position++];
            int end = text.IndexOf(quote, _position);
            if (end < 0) throw Error("has a malformed header (unterminated string)");
            string value = text[_position..end];
            _position = end + 1;
            return value;
        }

        public bool Boolean()
        {
            SkipSpace();
            if (text.AsSpan(_position).StartsWith("True", StringComparison.Ordinal)) { _position += 4; return true; }
            if (text.AsSpan(_position).StartsWith("False", StringComparison.Ordinal)) { _position += 5; return false; }
            throw Error("has a malformed header (expected True or False)");
        }

        public long[] IntegerTuple()
        {
            Expect('(');
            var values = new List<long>();
            while (!TryConsume(')'))
            {
                SkipSpace();
                int start = _position;
                while (_position < text.Length && char.IsAsciiDigit(text[_position])) _position++;
                if (start == _position || !long.TryParse(text.AsSpan(start, _position - start), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                {
                    throw Error("has a malformed shape in its header");
                }
                values.Add(value);
                if (!TryConsume(','))
                {
                    Expect(')');
                    break;
                }
            }
            return [.. values];
        }

        public ModelOptException Error(string what) => new(DiagnosticCode.CalibrationDataInvalid, path, $"calibration file '{path}' {what}.");

        private void SkipSpace()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position])) _position++;
        }
    }
}
