namespace ModelOpt.Benchmarks;

/// <summary>Prints results as a Markdown table, so a run's output can go into docs/benchmarks.md as is.</summary>
internal static class ResultTable
{
    private static readonly string[] Header = ["measure", "value", "baseline", "ratio", "target", "pass"];

    public static void Write(IReadOnlyList<BenchmarkResult> results, TextWriter output)
    {
        var rows = results
            .Select(r => new[] { r.Measure, r.Value, r.Baseline, r.Ratio, r.Target, r.Passed switch { true => "yes", false => "NO", null => "info" } })
            .Prepend(Header)
            .ToList();
        int[] widths = Enumerable.Range(0, Header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();

        WriteRow(rows[0], widths, output);
        output.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in rows.Skip(1)) WriteRow(row, widths, output);
    }

    private static void WriteRow(string[] cells, int[] widths, TextWriter output)
        => output.WriteLine("| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |");
}
