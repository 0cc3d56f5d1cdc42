using System.Text.RegularExpressions;

namespace ModelOpt.TestUtilities;

/// <summary>
/// A report's text with what may differ between two builds of the same project taken out: the
/// folders the builds ran in (absolute paths of the model, the output and the data), how long
/// things took (seconds, in JSON and in text), and where the model came from (computed or a
/// cache tier). What is left must be byte-identical.
/// </summary>
public static partial class ComparableReport
{
    /// <summary><paramref name="text"/> with each of <paramref name="folders"/> replaced by <c>&lt;folder&gt;</c> and durations and the model's source zeroed.</summary>
    public static string Normalize(string text, params string[] folders)
    {
        foreach (string folder in folders.OrderByDescending(f => f.Length)) text = text.Replace(folder, "<folder>", StringComparison.Ordinal);
        text = JsonSeconds().Replace(text, "\"$1\": 0");
        text = JsonSource().Replace(text, "\"source\": {}");
        text = TextSeconds().Replace(text, "# s");
        return TextSource().Replace(text, "<source>");
    }

    [GeneratedRegex(@"""(seconds|[a-zA-Z]*Seconds)"": [-0-9.eE+]+")]
    private static partial Regex JsonSeconds();

    [GeneratedRegex(@"""source"": \{[^}]*\}")]
    private static partial Regex JsonSource();

    [GeneratedRegex(@"[0-9]+\.[0-9]+ s\b")]
    private static partial Regex TextSeconds();

    [GeneratedRegex(@"(computed|from the (local|shared|remote) cache) in # s")]
    private static partial Regex TextSource();
}
