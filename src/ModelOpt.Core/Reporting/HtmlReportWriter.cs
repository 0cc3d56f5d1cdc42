using System.Text;
using static ModelOpt.Core.Reporting.ChartStyle;
using static ModelOpt.Core.Reporting.ReportText;

namespace ModelOpt.Core.Reporting;

/// <summary>
/// Renders an <see cref="HtmlReportDocument"/> as one self-contained HTML5 page: inline CSS, inline SVG
/// charts, no scripts and no external resources. The markup is also well-formed XML (after the doctype),
/// and the output is deterministic: the same document gives the same text, whatever the current culture.
/// </summary>
public static class HtmlReportWriter
{
    private const string Css = """
        :root { color-scheme: light; }
        body { margin: 0; padding: 24px 32px; font-family: system-ui, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; font-size: 14px; line-height: 1.45; color: #1a202c; background: #ffffff; }
        main { max-width: 1120px; margin: 0 auto; }
        h1 { font-size: 24px; margin: 0 0 4px 0; }
        h2 { font-size: 19px; margin: 28px 0 10px 0; padding-bottom: 4px; border-bottom: 1px solid #e2e8f0; }
        h3 { font-size: 16px; margin: 20px 0 8px 0; }
        p { margin: 6px 0 10px 0; }
        .subtitle { color: #4a5568; margin: 0 0 16px 0; overflow-wrap: break-word; word-break: normal; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 16px 0; }
        .card { border: 1px solid #e2e8f0; border-radius: 6px; padding: 10px 14px; min-width: 150px; background: #f7fafc; }
        .card-label { font-size: 12px; color: #4a5568; text-transform: uppercase; letter-spacing: 0.03em; }
        .card-value { font-size: 22px; font-weight: 600; }
        .card-detail { font-size: 12px; color: #4a5568; }
        table { border-collapse: collapse; margin: 8px 0 16px 0; font-size: 13px; }
        caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
        th, td { border-bottom: 1px solid #e2e8f0; padding: 4px 10px; text-align: left; vertical-align: top; overflow-wrap: break-word; word-break: normal; }
        th { background: #edf2f7; }
        th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
        figure.chart-figure { margin: 12px 0 20px 0; }
        figure.chart-figure figcaption { font-weight: 600; margin-bottom: 6px; }
        svg.chart { display: block; max-width: 100%; height: auto; }
        svg.chart text { font-size: 12px; fill: #1a202c; }
        svg.chart text.value, svg.chart text.tick { fill: #4a5568; }
        svg.chart text.ratio { font-weight: 600; }
        svg.chart line.axis { stroke: #a0aec0; stroke-width: 1; }
        svg.chart line.grid { stroke: #edf2f7; stroke-width: 1; }
        .chart-caption { color: #4a5568; font-size: 13px; }
        .no-data { color: #4a5568; font-style: italic; border: 1px dashed #cbd5e0; padding: 12px; }
        """;

    /// <summary>Renders the document as HTML text (line feeds, no byte-order mark).</summary>
    public static string Write(HtmlReportDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n");
        html.Append("<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
        html.Append("<title>").Append(Escape(document.Title)).Append("</title>\n");
        html.Append("<style>\n").Append(Css.Replace("\r\n", "\n", StringComparison.Ordinal)).Append("\n</style>\n");
        html.Append("</head>\n<body>\n<main>\n");
        html.Append("<h1>").Append(Escape(document.Title)).Append("</h1>\n");
        if (document.Subtitle is not null) html.Append("<p class=\"subtitle\">").Append(Escape(document.Subtitle)).Append("</p>\n");

        int chartNumber = 0;
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    html.Append("<h").Append(heading.Level).Append('>').Append(Escape(heading.Text))
                        .Append("</h").Append(heading.Level).Append(">\n");
                    break;
                case ParagraphBlock paragraph:
                    html.Append("<p>").Append(Escape(paragraph.Text)).Append("</p>\n");
                    break;
                case SummaryCardsBlock cards:
                    WriteCards(html, cards);
                    break;
                case TableBlock table:
                    WriteTable(html, table);
                    break;
                case ChartBlock chart:
                    WriteChart(html, chart, ++chartNumber);
                    break;
                default:
                    throw new NotSupportedException($"Unknown report block {block.GetType().Name}.");
            }
        }
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Renders the document and writes it to <paramref name="path"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteFile(HtmlReportDocument document, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, Write(document), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    private static void WriteCards(StringBuilder html, SummaryCardsBlock block)
    {
        html.Append("<div class=\"cards\">\n");
        foreach (var card in block.Cards)
        {
            html.Append("<div class=\"card\"><div class=\"card-label\">").Append(Escape(card.Label))
                .Append("</div><div class=\"card-value\">").Append(Escape(card.Value)).Append("</div>");
            if (card.Detail is not null) html.Append("<div class=\"card-detail\">").Append(Escape(card.Detail)).Append("</div>");
            html.Append("</div>\n");
        }
        html.Append("</div>\n");
    }

    private static void WriteTable(StringBuilder html, TableBlock table)
    {
        html.Append("<table>\n");
        if (table.Caption is not null) html.Append("<caption>").Append(Escape(table.Caption)).Append("</caption>\n");
        html.Append("<thead>\n<tr>");
        for (int c = 0; c < table.Headers.Count; c++)
        {
            html.Append(table.NumericColumns[c] ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">")
                .Append(Escape(table.Headers[c])).Append("</th>");
        }
        html.Append("</tr>\n</thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            html.Append("<tr>");
            for (int c = 0; c < table.Headers.Count; c++)
            {
                html.Append(table.NumericColumns[c] ? "<td class=\"num\">" : "<td>")
                    .Append(c < row.Count ? Escape(row[c]) : "").Append("</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
    }

    private static void WriteChart(StringBuilder html, ChartBlock chart, int number)
    {
        string id = "chart-" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string kind = chart switch
        {
            BeforeAfterBarChart => "before-after",
            BarChart => "bar",
            ScatterChart => "scatter",
            _ => throw new NotSupportedException($"Unknown chart {chart.GetType().Name}."),
        };
        html.Append("<figure class=\"chart-figure\" id=\"").Append(id).Append("\">\n");
        html.Append("<figcaption>").Append(Escape(chart.Title)).Append("</figcaption>\n");
        bool drawn = chart switch
        {
            BeforeAfterBarChart pairs => WriteBeforeAfter(html, pairs, id, kind),
            BarChart bars => WriteBars(html, bars, id, kind),
            ScatterChart scatter => WriteScatter(html, scatter, id, kind),
            _ => false,
        };
        if (!drawn) html.Append("<p class=\"no-data\" data-chart-empty=\"").Append(kind).Append("\">No data.</p>\n");
        if (chart.Caption is not null) html.Append("<p class=\"chart-caption\">").Append(Escape(chart.Caption)).Append("</p>\n");
        html.Append("</figure>\n");
    }

    private static void OpenSvg(StringBuilder html, ChartBlock chart, string id, string kind, double height)
    {
        string w = Coordinate(Width), h = Coordinate(height);
        html.Append("<svg class=\"chart chart-").Append(kind).Append("\" data-chart=\"").Append(kind)
            .Append("\" role=\"img\" aria-labelledby=\"").Append(id).Append("-title\" viewBox=\"0 0 ").Append(w).Append(' ').Append(h)
            .Append("\" width=\"").Append(w).Append("\" height=\"").Append(h).Append("\">\n");
        html.Append("<title id=\"").Append(id).Append("-title\">").Append(Escape(chart.Title)).Append("</title>\n");
        if (chart.Caption is not null) html.Append("<desc>").Append(Escape(chart.Caption)).Append("</desc>\n");
    }

    private static void Text(StringBuilder html, string cssClass, double x, double y, string text, string anchor = "start")
    {
        html.Append("<text class=\"").Append(cssClass).Append("\" x=\"").Append(Coordinate(x)).Append("\" y=\"").Append(Coordinate(y)).Append('"');
        if (anchor != "start") html.Append(" text-anchor=\"").Append(anchor).Append('"');
        html.Append('>').Append(Escape(text)).Append("</text>\n");
    }

    private static void Rect(StringBuilder html, string cssClass, double x, double y, double width, double height, string fill)
    {
        html.Append("<rect class=\"").Append(cssClass).Append("\" x=\"").Append(Coordinate(x)).Append("\" y=\"").Append(Coordinate(y))
            .Append("\" width=\"").Append(Coordinate(width)).Append("\" height=\"").Append(Coordinate(height))
            .Append("\" fill=\"").Append(fill).Append("\" />\n");
    }

    private static void Line(StringBuilder html, string cssClass, double x1, double y1, double x2, double y2, string? stroke = null, bool dashed = false)
    {
        html.Append("<line class=\"").Append(cssClass).Append("\" x1=\"").Append(Coordinate(x1)).Append("\" y1=\"").Append(Coordinate(y1))
            .Append("\" x2=\"").Append(Coordinate(x2)).Append("\" y2=\"").Append(Coordinate(y2)).Append('"');
        if (stroke is not null) html.Append(" stroke=\"").Append(stroke).Append("\" stroke-width=\"1.5\"");
        if (dashed) html.Append(" stroke-dasharray=\"5 3\"");
        html.Append(" />\n");
    }

    /// <summary>The drawn length of a bar: (value − min) / (max − min) of the full width; 0 for non-finite values
    /// and values at or below min (negative ones with the default min 0), at most the full width.</summary>
    internal static double BarLength(double value, double max, double fullWidth, double min = 0)
    {
        if (!double.IsFinite(value) || value <= min || !(max > min) || !double.IsFinite(max)) return 0;
        return Math.Min((value - min) / (max - min), 1) * fullWidth;
    }

    private static bool WriteBeforeAfter(StringBuilder html, BeforeAfterBarChart chart, string id, string kind)
    {
        if (chart.Groups.Count == 0) return false;
        double height = PairTop + chart.Groups.Count * PairGroupHeight;
        OpenSvg(html, chart, id, kind, height);

        // Legend.
        Rect(html, "swatch before", PairBarX, 6, 12, 12, BeforeColor);
        Text(html, "legend", PairBarX + 18, 16, chart.BeforeLabel);
        Rect(html, "swatch after", PairBarX + 140, 6, 12, 12, AfterColor);
        Text(html, "legend", PairBarX + 158, 16, chart.AfterLabel);
        Text(html, "legend", Width - 4, 16, "after / before", "end");

        for (int i = 0; i < chart.Groups.Count; i++)
        {
            var group = chart.Groups[i];
            double top = PairTop + i * PairGroupHeight;
            double max = Math.Max(Finite(group.Before), Finite(group.After));
            html.Append("<g class=\"group\" data-index=\"").Append(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\">\n");
            html.Append("<title>").Append(Escape(group.Label)).Append(": ")
                .Append(Escape(ValueWithUnit(group.Before, group.Unit))).Append(" \u2192 ")
                .Append(Escape(ValueWithUnit(group.After, group.Unit))).Append("</title>\n");
            double middle = top + PairBarHeight + PairBarGap / 2;
            Text(html, "label", 0, middle + 4, Shorten(group.Label, PairLabelChars));
            (double value, string cls, string color, double y)[] bars =
            [
                (group.Before, "bar before", BeforeColor, top),
                (group.After, "bar after", AfterColor, top + PairBarHeight + PairBarGap),
            ];
            foreach (var (value, cls, color, y) in bars)
            {
                if (double.IsFinite(value)) Rect(html, cls, PairBarX, y, BarLength(value, max, PairBarMaxWidth), PairBarHeight, color);
                Text(html, "value", PairValueX, y + PairBarHeight - 4, ValueWithUnit(value, group.Unit));
            }
            Text(html, "ratio", Width - 4, middle + 4, Ratio(group.Before, group.After), "end");
            html.Append("</g>\n");
        }
        html.Append("</svg>\n");
        return true;
    }

    private static double Finite(double value) => double.IsFinite(value) && value > 0 ? value : 0;

    private static bool WriteBars(StringBuilder html, BarChart chart, string id, string kind)
    {
        if (chart.Items.Count == 0) return false;
        double? threshold = chart.Threshold is { } t && double.IsFinite(t) ? t : null;
        double min = chart.Minimum;
        double max = chart.Maximum ?? Math.Max(
            chart.Items.Max(item => double.IsFinite(item.Value) ? item.Value : min),
            threshold is { } tv ? tv : min);
        double top = threshold is null ? BarTop : BarTopWithThreshold;
        double height = top + chart.Items.Count * BarRowHeight + BarBottom;
        OpenSvg(html, chart, id, kind, height);
        Line(html, "axis", BarX, top - 2, BarX, height - BarBottom + 2);

        for (int i = 0; i < chart.Items.Count; i++)
        {
            var item = chart.Items[i];
            double rowTop = top + i * BarRowHeight;
            double barTop = rowTop + (BarRowHeight - BarHeight) / 2;
            string status = StatusClass(item.Status);
            string value = ValueWithUnit(item.Value, chart.Unit, chart.ValueFormat);
            html.Append("<g class=\"row ").Append(status).Append("\" data-index=\"")
                .Append(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\">\n");
            html.Append("<title>").Append(Escape(item.Label)).Append(": ").Append(Escape(value)).Append("</title>\n");
            Text(html, "label", BarX - 6, barTop + BarHeight - 3, Shorten(item.Label, BarLabelChars), "end");
            if (double.IsFinite(item.Value))
                Rect(html, "bar " + status, BarX, barTop, BarLength(item.Value, max, BarMaxWidth, min), BarHeight, StatusColor(item.Status));
            Text(html, "value", BarValueX, barTop + BarHeight - 3, value);
            html.Append("</g>\n");
        }

        if (threshold is { } limit)
        {
            double x = BarX + BarLength(limit, max, BarMaxWidth, min);
            Line(html, "threshold", x, top - 4, x, height - BarBottom + 2, ThresholdColor, dashed: true);
            string label = chart.ThresholdLabel is null
                ? Value(limit, chart.ValueFormat)
                : chart.ThresholdLabel + " " + Value(limit, chart.ValueFormat);
            Text(html, "threshold-label", x, top - 8, label, x > BarX + BarMaxWidth * 0.75 ? "end" : "middle");
        }
        html.Append("</svg>\n");
        return true;
    }

    /// <summary>The drawn range of an axis: the finite values with a 5% margin each side (±1, or ±10%, when they are all equal).</summary>
    internal static (double Low, double High) AxisRange(IEnumerable<double> values)
    {
        double low = double.PositiveInfinity, high = double.NegativeInfinity;
        foreach (double v in values)
        {
            if (!double.IsFinite(v)) continue;
            low = Math.Min(low, v);
            high = Math.Max(high, v);
        }
        if (low > high) return (0, 1);
        if (low == high)
        {
            double pad = low == 0 ? 1 : Math.Abs(low) * 0.1;
            return (low - pad, high + pad);
        }
        double margin = (high - low) * 0.05;
        return (low - margin, high + margin);
    }

    private static bool WriteScatter(StringBuilder html, ScatterChart chart, string id, string kind)
    {
        var drawable = chart.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        if (drawable.Count == 0) return false;
        double? threshold = chart.Threshold is { } t && double.IsFinite(t) ? t : null;
        var (xLow, xHigh) = AxisRange(drawable.Select(p => p.X));
        var (yLow, yHigh) = AxisRange(threshold is { } tv ? drawable.Select(p => p.Y).Append(tv) : drawable.Select(p => p.Y));
        double MapX(double x) => ScatterLeft + (x - xLow) / (xHigh - xLow) * (ScatterRight - ScatterLeft);
        double MapY(double y) => ScatterBottom - (y - yLow) / (yHigh - yLow) * (ScatterBottom - ScatterTop);

        OpenSvg(html, chart, id, kind, ScatterHeight);
        // Legend.
        Circle(html, "swatch pass", ScatterLeft + 6, 14, OkColor);
        Text(html, "legend", ScatterLeft + 16, 18, "passed");
        Circle(html, "swatch fail", ScatterLeft + 96, 14, FailColor);
        Text(html, "legend", ScatterLeft + 106, 18, "failed");

        // Grid, ticks and axes.
        for (int i = 0; i < ScatterTicks; i++)
        {
            double fraction = i / (double)(ScatterTicks - 1);
            double xValue = xLow + fraction * (xHigh - xLow), yValue = yLow + fraction * (yHigh - yLow);
            double x = MapX(xValue), y = MapY(yValue);
            Line(html, "grid", x, ScatterTop, x, ScatterBottom);
            Line(html, "grid", ScatterLeft, y, ScatterRight, y);
            Text(html, "tick", x, ScatterBottom + 16, Value(xValue, "G4"), "middle");
            Text(html, "tick", ScatterLeft - 6, y + 4, Value(yValue, "G4"), "end");
        }
        Line(html, "axis", ScatterLeft, ScatterBottom, ScatterRight, ScatterBottom);
        Line(html, "axis", ScatterLeft, ScatterTop, ScatterLeft, ScatterBottom);
        Text(html, "axis-label", (ScatterLeft + ScatterRight) / 2, ScatterBottom + 40, chart.XLabel, "middle");
        double yLabelY = (ScatterTop + ScatterBottom) / 2;
        html.Append("<text class=\"axis-label\" x=\"16\" y=\"").Append(Coordinate(yLabelY))
            .Append("\" text-anchor=\"middle\" transform=\"rotate(-90 16 ").Append(Coordinate(yLabelY)).Append(")\">")
            .Append(Escape(chart.YLabel)).Append("</text>\n");

        if (threshold is { } limit)
        {
            double y = MapY(limit);
            Line(html, "threshold", ScatterLeft, y, ScatterRight, y, ThresholdColor, dashed: true);
            string label = chart.ThresholdLabel is null ? Value(limit) : chart.ThresholdLabel + " " + Value(limit);
            Text(html, "threshold-label", ScatterRight, y - 5, label, "end");
        }

        for (int i = 0; i < chart.Points.Count; i++)
        {
            var point = chart.Points[i];
            if (!double.IsFinite(point.X) || !double.IsFinite(point.Y)) continue;
            string status = point.Passed ? "pass" : "fail";
            html.Append("<g class=\"point ").Append(status).Append("\" data-index=\"")
                .Append(i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\">\n");
            html.Append("<title>").Append(Escape(point.Label)).Append(": ").Append(Escape(chart.XLabel)).Append(' ')
                .Append(Escape(Value(point.X))).Append(", ").Append(Escape(chart.YLabel)).Append(' ').Append(Escape(Value(point.Y)))
                .Append(point.Passed ? " (passed)" : " (failed)").Append("</title>\n");
            Circle(html, "dot " + status, MapX(point.X), MapY(point.Y), point.Passed ? OkColor : FailColor);
            html.Append("</g>\n");
        }
        html.Append("</svg>\n");
        return true;
    }

    private static void Circle(StringBuilder html, string cssClass, double cx, double cy, string fill)
    {
        html.Append("<circle class=\"").Append(cssClass).Append("\" cx=\"").Append(Coordinate(cx)).Append("\" cy=\"").Append(Coordinate(cy))
            .Append("\" r=\"").Append(Coordinate(PointRadius)).Append("\" fill=\"").Append(fill).Append("\" />\n");
    }
}
