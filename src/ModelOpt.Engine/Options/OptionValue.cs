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

    /// <summary>An image size, <c>224</c> or <c>320x48</c> (width x height).</summary>
    public Core.Data.ImageSize Size()
        => Core.Data.ImageSize.TryParse(Text, out var size) ? size
            : throw Invalid($"a size in pixels: one number for a square (224) or width x height (320x48), each from 1 to {Core.Data.ImageSize.MaxSide}");

    /// <summary>One or three finite numbers separated by <c>,</c> (one value per colour channel, or one for all), each accepted by <paramref name="accept"/>.</summary>
    public double[] ChannelNumbers(Func<double, bool> accept, string what)
    {
        string[] parts = Text.Split(',');
        var numbers = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i]) || !double.IsFinite(numbers[i]) || !accept(numbers[i]))
            {
                throw Invalid($"one or three {what} separated by ',' (one per channel, e.g. 0.485,0.456,0.406)");
            }
        }
        if (numbers.Length is not (1 or 3)) throw Invalid($"one or three {what} separated by ',' (one per channel, e.g. 0.485,0.456,0.406), not {numbers.Length}");
        return numbers;
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
