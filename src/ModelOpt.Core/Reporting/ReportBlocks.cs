namespace ModelOpt.Core.Reporting;

/// <summary>One block of an <see cref="HtmlReportDocument"/>. The kinds are the sealed classes of this namespace.</summary>
public abstract class ReportBlock
{
    private protected ReportBlock()
    {
    }
}

/// <summary>A section heading, <c>&lt;h2&gt;</c> or <c>&lt;h3&gt;</c>.</summary>
public sealed class HeadingBlock : ReportBlock
{
    /// <summary>Creates the heading.</summary>
    /// <param name="text">The heading's text.</param>
    /// <param name="level">2 (section) or 3 (subsection).</param>
    public HeadingBlock(string text, int level = 2)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (level is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(level), level, "A heading's level is 2 or 3.");
        Text = text;
        Level = level;
    }

    /// <summary>The heading's text.</summary>
    public string Text { get; }

    /// <summary>2 or 3.</summary>
    public int Level { get; }
}

/// <summary>A paragraph of plain text (escaped; no markup).</summary>
public sealed class ParagraphBlock : ReportBlock
{
    /// <summary>Creates the paragraph.</summary>
    public ParagraphBlock(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
    }

    /// <summary>The paragraph's text.</summary>
    public string Text { get; }
}

/// <summary>One key figure of a <see cref="SummaryCardsBlock"/>, for example "Size", "11.2 MB", "25% of original".</summary>
public sealed class SummaryCard
{
    /// <summary>Creates the card.</summary>
    /// <param name="label">What the figure is.</param>
    /// <param name="value">The figure, already formatted.</param>
    /// <param name="detail">A smaller line under the figure, or null.</param>
    public SummaryCard(string label, string value, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(value);
        Label = label;
        Value = value;
        Detail = detail;
    }

    /// <summary>What the figure is.</summary>
    public string Label { get; }

    /// <summary>The figure, already formatted.</summary>
    public string Value { get; }

    /// <summary>The smaller line under the figure, or null.</summary>
    public string? Detail { get; }
}

/// <summary>A row of key-value cards.</summary>
public sealed class SummaryCardsBlock : ReportBlock
{
    /// <summary>Creates the block.</summary>
    public SummaryCardsBlock(IReadOnlyList<SummaryCard> cards)
    {
        ArgumentNullException.ThrowIfNull(cards);
        foreach (var card in cards) ArgumentNullException.ThrowIfNull(card, nameof(cards));
        Cards = [.. cards];
    }

    /// <summary>The cards, in order.</summary>
    public IReadOnlyList<SummaryCard> Cards { get; }
}

/// <summary>A table of strings. Rows shorter than the header row are padded with empty cells.</summary>
public sealed class TableBlock : ReportBlock
{
    /// <summary>Creates the table.</summary>
    /// <param name="headers">The column headers.</param>
    /// <param name="rows">The rows; none may have more cells than there are headers.</param>
    /// <param name="numericColumns">Per column, whether its cells are right-aligned numbers; null or shorter than the headers means false for the rest.</param>
    /// <param name="caption">A caption over the table, or null.</param>
    public TableBlock(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows,
        IReadOnlyList<bool>? numericColumns = null, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        foreach (string header in headers) ArgumentNullException.ThrowIfNull(header, nameof(headers));
        var copied = new List<IReadOnlyList<string>>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            if (row.Count > headers.Count)
                throw new ArgumentException($"Row {i} has {row.Count} cells but the table has {headers.Count} columns.", nameof(rows));
            foreach (string cell in row) ArgumentNullException.ThrowIfNull(cell, nameof(rows));
            copied.Add([.. row]);
        }
        if (numericColumns is not null && numericColumns.Count > headers.Count)
            throw new ArgumentException("More numeric-column flags than columns.", nameof(numericColumns));
        Headers = [.. headers];
        Rows = copied;
        var numeric = new bool[headers.Count];
        if (numericColumns is not null) for (int i = 0; i < numericColumns.Count; i++) numeric[i] = numericColumns[i];
        NumericColumns = numeric;
        Caption = caption;
    }

    /// <summary>The column headers.</summary>
    public IReadOnlyList<string> Headers { get; }

    /// <summary>The rows.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Rows { get; }

    /// <summary>Per column (same count as <see cref="Headers"/>), whether it is right-aligned.</summary>
    public IReadOnlyList<bool> NumericColumns { get; }

    /// <summary>The caption, or null.</summary>
    public string? Caption { get; }
}
