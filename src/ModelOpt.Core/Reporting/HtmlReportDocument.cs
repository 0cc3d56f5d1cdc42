namespace ModelOpt.Core.Reporting;

/// <summary>
/// A report page for people: a title, an optional subtitle and an ordered list of blocks
/// (headings, text, summary cards, tables, charts). <see cref="HtmlReportWriter"/> renders it as
/// one self-contained HTML file.
/// </summary>
public sealed class HtmlReportDocument
{
    private readonly List<ReportBlock> _blocks = [];

    /// <summary>Creates an empty document.</summary>
    /// <param name="title">The page title (the <c>&lt;title&gt;</c> and the top heading).</param>
    /// <param name="subtitle">A line under the title, for example the model path; null for none.</param>
    public HtmlReportDocument(string title, string? subtitle = null)
    {
        ArgumentNullException.ThrowIfNull(title);
        Title = title;
        Subtitle = subtitle;
    }

    /// <summary>The page title.</summary>
    public string Title { get; }

    /// <summary>The line under the title, or null.</summary>
    public string? Subtitle { get; }

    /// <summary>The blocks, in page order.</summary>
    public IReadOnlyList<ReportBlock> Blocks => _blocks;

    /// <summary>Appends a block; returns this document.</summary>
    public HtmlReportDocument Add(ReportBlock block)
    {
        ArgumentNullException.ThrowIfNull(block);
        _blocks.Add(block);
        return this;
    }

    /// <summary>Appends a section heading (level 2 or 3); returns this document.</summary>
    public HtmlReportDocument AddHeading(string text, int level = 2) => Add(new HeadingBlock(text, level));

    /// <summary>Appends a paragraph of plain text; returns this document.</summary>
    public HtmlReportDocument AddParagraph(string text) => Add(new ParagraphBlock(text));

    /// <summary>Appends a row of summary cards; returns this document.</summary>
    public HtmlReportDocument AddCards(params IReadOnlyList<SummaryCard> cards) => Add(new SummaryCardsBlock(cards));
}
