using System.Globalization;
using System.Text;

namespace ModelOpt.Core.Reporting;

/// <summary>Escaping and culture-invariant number text for the HTML report.</summary>
internal static class ReportText
{
    /// <summary>Escapes text for element content and double- or single-quoted attributes. Characters that
    /// XML forbids (controls other than tab, line feed, carriage return; lone surrogates) become U+FFFD, so the
    /// output also parses as XML.</summary>
    public static string Escape(string text)
    {
        StringBuilder? builder = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            string? replacement = c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' or '\n' or '\r' => null,
                < ' ' or '\uFFFE' or '\uFFFF' => "\uFFFD",
                _ when char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) => null,
                _ when char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(text[i - 1]) => null,
                _ when char.IsSurrogate(c) => "\uFFFD",
                _ => null,
            };
            if (replacement is null)
            {
                builder?.Append(c);
                continue;
            }
            builder ??= new StringBuilder(text.Length + 16).Append(text, 0, i);
            builder.Append(replacement);
        }
        return builder?.ToString() ?? text;
    }

    /// <summary>A coordinate or length: rounded to 2 decimals, invariant, no "-0".</summary>
    public static string Coordinate(double value)
    {
        double rounded = Math.Round(value, 2, MidpointRounding.AwayFromZero);
        if (rounded == 0) rounded = 0;
        return rounded.ToString("0.##", CultureInfo.InvariantCulture);
    }

    /// <summary>A value for people: "n/a" for NaN, "∞"/"−∞" for infinities; otherwise <paramref name="format"/>
    /// or, without one, thousands-grouped integers from 1000 up and 5 significant digits below.</summary>
    public static string Value(double value, string? format = null)
    {
        if (double.IsNaN(value)) return "n/a";
        if (double.IsPositiveInfinity(value)) return "∞";
        if (double.IsNegativeInfinity(value)) return "\u2212∞";
        if (value == 0) value = 0;
        format ??= Math.Abs(value) >= 1000 ? "#,0" : "G5";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>A value followed by its unit, if any.</summary>
    public static string ValueWithUnit(double value, string unit, string? format = null)
        => unit.Length == 0 || !double.IsFinite(value) ? Value(value, format) : Value(value, format) + " " + unit;

    /// <summary>after / before as a percentage with one decimal ("25.0%"), or "n/a" when it is undefined.</summary>
    public static string Ratio(double before, double after)
    {
        if (!double.IsFinite(before) || !double.IsFinite(after) || before == 0) return "n/a";
        double percent = after / before * 100;
        if (percent == 0) percent = 0;
        return percent.ToString("0.0", CultureInfo.InvariantCulture) + "%";
    }

    /// <summary>Shortens a label to at most <paramref name="maxChars"/> UTF-16 units, ending in "…", without
    /// splitting a surrogate pair.</summary>
    public static string Shorten(string label, int maxChars)
    {
        if (label.Length <= maxChars) return label;
        int cut = maxChars - 1;
        if (cut > 0 && char.IsHighSurrogate(label[cut - 1])) cut--;
        return string.Concat(label.AsSpan(0, cut), "…");
    }
}
