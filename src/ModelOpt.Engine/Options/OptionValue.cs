using System.Globalization;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Engine.Options;

/// <summary>
/// One option's text as the user wrote it, with parsers whose errors name the item, the
/// metadata and the accepted values (MOPT0011).
/// </summary>
/// <param name="Where">The file errors point at: the project for build items, null on the command line.</param>
/// <param name="Subject">What the option belongs to, e.g. <c>OptimizeModel 'm.onnx'</c>.</param>
/// <param name="Metadata">The metadata name, e.g. <c>Quantize</c>.</param>
/// <param name="Text">The trimmed text.</param>
public readonly record struct OptionValue(string? Where, string Subject, string Metadata, string Text)
{
    /// <summary>The error for a value that is not one of <paramref name="expected"/>.</summary>
    public ModelOptException Invalid(string expected) => new(DiagnosticCode.InvalidOption, Where,
        $"{Subject}: {Metadata}=\"{Text}\" is not valid; expected {expected}.");

    /// <summary>One name of <typeparamref name="T"/>, case-insensitive; numbers are refused.</summary>
    public T Enum<T>() where T : struct, System.Enum
        => System.Enum.TryParse(Text, ignoreCase: true, out T result) && System.Enum.IsDefined(result) && !int.TryParse(Text, out _)
            ? result
            : throw Invalid(string.Join(", ", System.Enum.GetNames<T>()));

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public bool Bool() => bool.TryParse(Text, out bool result) ? result : throw Invalid("true or false");

    /// <summary>A path: any non-empty text.</summary>
    public string NonEmpty() => Text.Length > 0 ? Text : throw Invalid("a path");

    /// <summary>A number from <paramref name="range"/>.</summary>
    public double Number(NumberRange range)
    {
        if (!double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) || !range.Contains(number))
        {
            throw Invalid(range.Describe());
        }
        return number;
    }

    /// <summary><c>x=1,3,224,224;mask=1,128</c>.</summary>
    public Dictionary<string, long[]> Shapes()
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (string entry in List(Text))
        {
            int eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw Invalid("name=d1,d2,... entries separated by ';'");
            var dims = entry[(eq + 1)..].Split(',').Select(d => long.TryParse(d.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : -1).ToArray();
            if (dims.Length == 0 || dims.Any(d => d < 0)) throw Invalid("positive whole dimensions, e.g. x=1,3,224,224");
            shapes[entry[..eq].Trim()] = dims;
        }
        return shapes;
    }

    /// <summary>The entries of a <c>;</c>-separated list, trimmed, empty ones dropped.</summary>
    public static string[] List(string text)
        => text.Split(';').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();
}
