using System.Globalization;
using ModelOpt.Core.Reporting;

namespace ModelOpt.Core.Tests.Reporting;

public sealed class HtmlReportWriterTests
{
    private const double PairWidth = 380;   // ChartStyle.PairBarMaxWidth, restated so a change of layout is a deliberate one
    private const double BarWidth = 440;    // ChartStyle.BarMaxWidth

    private static double Rounded(double value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    [Fact]
    public void Page_is_html5_and_parses_as_xml()
    {
        string html = HtmlReportWriter.Write(ReportMarkup.Sample());
        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />", html, StringComparison.Ordinal);
        var document = ReportMarkup.Parse(html);
        var root = document.Root!;
        Assert.Equal("html", root.Name.LocalName);
        Assert.Equal("en", (string?)root.Attribute("lang"));
        Assert.Equal("resnet18.onnx — optimization report", (string?)root.Element("head")!.Element("title"));
        Assert.Equal("resnet18.onnx — optimization report", (string?)root.Descendants("h1").Single());
        Assert.Equal(3, document.Descendants("svg").Count());
        Assert.Equal(["before-after", "bar", "scatter"], document.Descendants("svg").Select(s => (string?)s.Attribute("data-chart")));
        foreach (var svg in document.Descendants("svg"))
        {
            Assert.Equal("img", (string?)svg.Attribute("role"));
            Assert.StartsWith("0 0 820 ", (string?)svg.Attribute("viewBox"), StringComparison.Ordinal);
            var title = svg.Elements().First();
            Assert.Equal("title", title.Name.LocalName);
            Assert.Equal((string?)svg.Attribute("aria-labelledby"), (string?)title.Attribute("id"));
            Assert.False(string.IsNullOrWhiteSpace(title.Value));
        }
        Assert.Equal(4, document.Descendants("h2").Count() + document.Descendants("h3").Count());
        Assert.Equal(3, document.Root!.ByClass("div", "card").Count());
    }

    [Fact]
    public void Page_is_self_contained()
    {
        string html = HtmlReportWriter.Write(ReportMarkup.Sample());
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\r", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Before_after_bars_are_scaled_per_group_and_print_the_ratio()
    {
        var chart = new BeforeAfterBarChart("Sizes", [
            new BeforeAfterGroup("Size", 40, 10, "MB"),
            new BeforeAfterGroup("Parameters", 1_000_000, 1_000_000),
            new BeforeAfterGroup("Latency", 8, 12, "ms"),
            new BeforeAfterGroup("Tiny", 0.003, 0.001),
        ]);
        var document = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(chart)));
        var groups = document.Chart("before-after").ByClass("g", "group").ToList();
        Assert.Equal(4, groups.Count);
        string[] ratios = ["25.0%", "100.0%", "150.0%", "33.3%"];
        for (int i = 0; i < groups.Count; i++)
        {
            var group = chart.Groups[i];
            double max = Math.Max(group.Before, group.After);
            var before = Assert.Single(groups[i].ByClass("rect", "before"));
            var after = Assert.Single(groups[i].ByClass("rect", "after"));
            Assert.Equal(Rounded(group.Before / max * PairWidth), before.Number("width"), 2);
            Assert.Equal(Rounded(group.After / max * PairWidth), after.Number("width"), 2);
            Assert.Equal(before.Number("x"), after.Number("x"));
            Assert.Equal(ratios[i], (string?)Assert.Single(groups[i].ByClass("text", "ratio")));
        }
        Assert.Equal(95, groups[0].ByClass("rect", "after").Single().Number("width"));
        var values = groups[0].ByClass("text", "value").Select(t => t.Value).ToList();
        Assert.Equal(["40 MB", "10 MB"], values);
        Assert.Equal(["1,000,000", "1,000,000"], groups[1].ByClass("text", "value").Select(t => t.Value));
        Assert.Equal("Size", groups[0].ByClass("text", "label").Single().Value);
    }

    [Fact]
    public void Bar_chart_bars_are_proportional_with_threshold_and_status_colors()
    {
        var items = new[]
        {
            new BarChartItem("a", 2, ChartStatus.Ok),
            new BarChartItem("b", 5, ChartStatus.Warn),
            new BarChartItem("c", 8, ChartStatus.Fail),
            new BarChartItem("d", 1),
        };
        var chart = new BarChart("Error", items, threshold: 4, thresholdLabel: "limit");
        var svg = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(chart))).Chart("bar");
        var rows = svg.ByClass("g", "row").ToList();
        Assert.Equal(4, rows.Count);
        string[] classes = ["ok", "warn", "fail", "neutral"];
        string[] colors = ["#38a169", "#d69e2e", "#e53e3e", "#3182ce"];
        for (int i = 0; i < rows.Count; i++)
        {
            var bar = Assert.Single(rows[i].Elements("rect"));
            Assert.Equal(Rounded(items[i].Value / 8 * BarWidth), bar.Number("width"), 2);
            Assert.Contains(classes[i], ((string)bar.Attribute("class")!).Split(' '));
            Assert.Equal(colors[i], (string?)bar.Attribute("fill"));
        }
        double barX = rows[0].Element("rect")!.Number("x");
        var threshold = Assert.Single(svg.ByClass("line", "threshold"));
        Assert.Equal(Rounded(barX + 4.0 / 8 * BarWidth), threshold.Number("x1"), 2);
        Assert.Equal(threshold.Number("x1"), threshold.Number("x2"));
        Assert.Equal("limit 4", svg.ByClass("text", "threshold-label").Single().Value);
    }

    [Fact]
    public void Bar_chart_threshold_above_every_value_sets_the_scale()
    {
        var chart = new BarChart("c", [new BarChartItem("a", 0.5), new BarChartItem("b", 0.25)], threshold: 1);
        var svg = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(chart))).Chart("bar");
        Assert.Equal([220.0, 110.0], svg.Descendants("rect").Select(r => r.Number("width")));
        double x = svg.Descendants("rect").First().Number("x");
        Assert.Equal(x + BarWidth, svg.ByClass("line", "threshold").Single().Number("x1"));
    }

    [Fact]
    public void Bar_chart_with_fixed_maximum_clamps_larger_values()
    {
        var chart = new BarChart("c", [new BarChartItem("a", 0.5), new BarChartItem("b", 3)], maximum: 1, valueFormat: "P0");
        var svg = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(chart))).Chart("bar");
        Assert.Equal([220.0, 440.0], svg.Descendants("rect").Select(r => r.Number("width")));
        Assert.Equal(["50 %", "300 %"], svg.ByClass("text", "value").Select(t => t.Value));
    }

    [Fact]
    public void Bar_chart_with_a_minimum_starts_the_bars_there()
    {
        var chart = new BarChart("c", [new BarChartItem("a", 0.999), new BarChartItem("b", 0.99), new BarChartItem("c", 0.95)],
            threshold: 0.995, maximum: 1, minimum: 0.98);
        var svg = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(chart))).Chart("bar");
        var rects = svg.Descendants("rect").ToList();
        Assert.Equal(Rounded((0.999 - 0.98) / 0.02 * BarWidth), rects[0].Number("width"), 2);
        Assert.Equal(Rounded((0.99 - 0.98) / 0.02 * BarWidth), rects[1].Number("width"), 2);
        Assert.Equal(0, rects[2].Number("width"));
        Assert.Equal("0.95", svg.ByClass("text", "value").Last().Value);
        Assert.Equal(Rounded(rects[0].Number("x") + 0.75 * BarWidth), svg.ByClass("line", "threshold").Single().Number("x1"), 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarChart("c", [], maximum: 0.5, minimum: 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarChart("c", [], minimum: double.NegativeInfinity));
    }

    [Fact]
    public void Many_bars_keep_a_fixed_row_height_and_the_svg_grows()
    {
        var items = Enumerable.Range(0, 300).Select(i => new BarChartItem($"node{i}", i + 1)).ToList();
        var small = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(new BarChart("c", items.Take(10).ToList())))).Chart("bar");
        var large = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(new BarChart("c", items)))).Chart("bar");
        var rects = large.Descendants("rect").ToList();
        Assert.Equal(300, rects.Count);
        double rowHeight = rects[1].Number("y") - rects[0].Number("y");
        Assert.Equal(rowHeight, small.Descendants("rect").ElementAt(1).Number("y") - small.Descendants("rect").First().Number("y"));
        Assert.True(rowHeight >= 16, $"rows of {rowHeight} px are too dense to read");
        for (int i = 1; i < rects.Count; i++) Assert.Equal(rowHeight, rects[i].Number("y") - rects[i - 1].Number("y"), 2);
        Assert.Equal(large.Number("height") - small.Number("height"), 290 * rowHeight, 2);
        Assert.Equal("0 0 820 " + large.Number("height").ToString(CultureInfo.InvariantCulture), (string?)large.Attribute("viewBox"));
    }

    [Fact]
    public void Long_labels_are_shortened_in_the_drawing_and_whole_in_the_tooltip()
    {
        string name = "/model/encoder/layers.11/self_attention/output/dense/MatMul_quantized_with_a_long_suffix";
        var svg = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(new BarChart("c", [new BarChartItem(name, 1)])))).Chart("bar");
        var row = svg.ByClass("g", "row").Single();
        string label = row.ByClass("text", "label").Single().Value;
        Assert.EndsWith("…", label, StringComparison.Ordinal);
        Assert.True(label.Length <= 38);
        Assert.StartsWith(label[..^1], name, StringComparison.Ordinal);
        Assert.Equal(name + ": 1", row.Element("title")!.Value);
    }

    [Fact]
    public void Hostile_names_are_escaped_everywhere()
    {
        const string hostile = "<script>&\"'";
        var document = new HtmlReportDocument(hostile, hostile)
            .AddHeading(hostile)
            .AddParagraph(hostile)
            .AddCards(new SummaryCard(hostile, hostile, hostile))
            .Add(new TableBlock([hostile], [[hostile]], caption: hostile))
            .Add(new BeforeAfterBarChart(hostile, [new BeforeAfterGroup(hostile, 2, 1, hostile)], hostile, hostile, hostile))
            .Add(new BarChart(hostile, [new BarChartItem(hostile, 1)], 0.5, hostile, unit: hostile, caption: hostile))
            .Add(new ScatterChart(hostile, hostile, hostile, [new ScatterPoint(hostile, 1, 1, true)], 0.5, hostile, hostile));
        string html = HtmlReportWriter.Write(document);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;&amp;&quot;&#39;", html, StringComparison.Ordinal);
        var xml = ReportMarkup.Parse(html);
        Assert.Empty(xml.Descendants("script"));
        Assert.Equal(hostile, (string?)xml.Root!.Element("head")!.Element("title"));
        Assert.Equal(hostile, (string?)xml.Descendants("h1").Single());
        Assert.Equal(hostile, (string?)xml.Descendants("h2").Single());
        Assert.Equal(hostile, (string?)xml.Descendants("td").Single());
        Assert.Equal(hostile, (string?)xml.Descendants("th").Single());
        Assert.Equal(hostile, (string?)xml.Descendants("caption").Single());
        Assert.Equal(3, xml.Root.ByClass("div", "card").Single().Elements().Count(e => e.Value == hostile));
        Assert.All(xml.Descendants("figcaption"), caption => Assert.Equal(hostile, caption.Value));
        Assert.Equal(3, xml.Descendants("svg").Count());
        Assert.All(xml.Descendants("svg"), svg => Assert.Equal(hostile, svg.Element("title")!.Value));
        Assert.Equal(hostile, xml.Chart("bar").ByClass("text", "label").Single().Value);
        Assert.Equal("1 " + hostile, xml.Chart("bar").ByClass("text", "value").Single().Value);
        Assert.Equal(hostile + " 0.5", xml.Chart("bar").ByClass("text", "threshold-label").Single().Value);
        Assert.Equal(hostile, xml.Chart("before-after").ByClass("text", "label").Single().Value);
    }

    [Fact]
    public void Characters_that_xml_forbids_become_replacement_characters()
    {
        string name = "a\u0001b\u001Fc\tq\uD800z\U0001F600";
        var xml = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").AddParagraph(name)));
        Assert.Equal("a\uFFFDb\uFFFDc\tq\uFFFDz\U0001F600", xml.Descendants("p").Single().Value);
    }

    [Fact]
    public void Same_document_gives_the_same_text()
    {
        string first = HtmlReportWriter.Write(ReportMarkup.Sample());
        string second = HtmlReportWriter.Write(ReportMarkup.Sample());
        Assert.Equal(first, second);
        var chartIds = ReportMarkup.Parse(first).Descendants("figure").Select(f => (string?)f.Attribute("id"));
        Assert.Equal(["chart-1", "chart-2", "chart-3"], chartIds);
    }

    [Fact]
    public void Output_does_not_depend_on_the_current_culture()
    {
        var saved = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        string invariant, german, arabic;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
            invariant = HtmlReportWriter.Write(ReportMarkup.Sample());
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");
            Assert.Equal("1,5", 1.5.ToString(CultureInfo.CurrentCulture)); // the culture really is in effect
            german = HtmlReportWriter.Write(ReportMarkup.Sample());
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("ar-SA");
            arabic = HtmlReportWriter.Write(ReportMarkup.Sample());
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = saved;
        }
        Assert.Equal(invariant, german);
        Assert.Equal(invariant, arabic);
        Assert.Contains(">44.7 MB<", invariant, StringComparison.Ordinal);
        Assert.Contains(">25.1%<", invariant, StringComparison.Ordinal);
        Assert.Contains(">1,814,073,344<", invariant, StringComparison.Ordinal);
    }

    [Fact]
    public void Nan_and_infinite_values_are_not_drawn_and_shown_as_text()
    {
        var document = new HtmlReportDocument("t")
            .Add(new BeforeAfterBarChart("p", [
                new BeforeAfterGroup("Latency", double.NaN, 4, "ms"),
                new BeforeAfterGroup("Error", 2, double.PositiveInfinity),
            ]))
            .Add(new BarChart("b", [
                new BarChartItem("nan", double.NaN),
                new BarChartItem("inf", double.PositiveInfinity),
                new BarChartItem("neg-inf", double.NegativeInfinity),
                new BarChartItem("two", 2),
                new BarChartItem("one", 1),
            ], threshold: double.NaN))
            .Add(new ScatterChart("s", "x", "y", [
                new ScatterPoint("nan", double.NaN, 1, true),
                new ScatterPoint("ok", 1, 0.5, true),
                new ScatterPoint("inf", 2, double.PositiveInfinity, false),
            ]));
        var xml = ReportMarkup.Parse(HtmlReportWriter.Write(document));

        var groups = xml.Chart("before-after").ByClass("g", "group").ToList();
        Assert.Empty(groups[0].ByClass("rect", "before"));
        Assert.Equal(PairWidth, groups[0].ByClass("rect", "after").Single().Number("width"));
        Assert.Equal(["n/a", "4 ms"], groups[0].ByClass("text", "value").Select(t => t.Value));
        Assert.Equal("n/a", groups[0].ByClass("text", "ratio").Single().Value);
        Assert.Equal(PairWidth, groups[1].ByClass("rect", "before").Single().Number("width"));
        Assert.Empty(groups[1].ByClass("rect", "after"));
        Assert.Equal(["2", "∞"], groups[1].ByClass("text", "value").Select(t => t.Value));
        Assert.Equal("n/a", groups[1].ByClass("text", "ratio").Single().Value);

        var bars = xml.Chart("bar");
        var rows = bars.ByClass("g", "row").ToList();
        Assert.Equal(5, rows.Count);
        Assert.Equal([0, 0, 0, 1, 1], rows.Select(r => r.Elements("rect").Count()));
        Assert.Equal(["n/a", "∞", "\u2212∞", "2", "1"], rows.Select(r => r.ByClass("text", "value").Single().Value));
        Assert.Equal([BarWidth, BarWidth / 2], bars.Descendants("rect").Select(r => r.Number("width")));
        Assert.Empty(bars.ByClass("line", "threshold"));

        var points = xml.Chart("scatter").ByClass("g", "point").ToList();
        Assert.Equal("1", (string?)Assert.Single(points).Attribute("data-index"));
        Assert.DoesNotContain("NaN", xml.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", xml.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_and_negative_values_draw_empty_bars_and_print_as_given()
    {
        var document = new HtmlReportDocument("t")
            .Add(new BarChart("b", [new BarChartItem("neg", -0.5), new BarChartItem("zero", 0), new BarChartItem("negzero", -0.0)]))
            .Add(new BeforeAfterBarChart("p", [new BeforeAfterGroup("Pruned", 0, 0), new BeforeAfterGroup("Delta", -3, 6)]));
        var xml = ReportMarkup.Parse(HtmlReportWriter.Write(document));
        var bars = xml.Chart("bar");
        Assert.All(bars.Descendants("rect"), r => Assert.Equal("0", (string?)r.Attribute("width")));
        Assert.Equal(["-0.5", "0", "0"], bars.ByClass("text", "value").Select(t => t.Value));
        var groups = xml.Chart("before-after").ByClass("g", "group").ToList();
        Assert.All(groups[0].Descendants("rect"), r => Assert.Equal(0, r.Number("width")));
        Assert.Equal("n/a", groups[0].ByClass("text", "ratio").Single().Value);
        Assert.Equal([0, PairWidth], groups[1].Descendants("rect").Select(r => r.Number("width")));
        Assert.Equal("-200.0%", groups[1].ByClass("text", "ratio").Single().Value);
    }

    [Fact]
    public void Empty_series_render_a_note_instead_of_an_svg()
    {
        var document = new HtmlReportDocument("t")
            .Add(new BeforeAfterBarChart("p", []))
            .Add(new BarChart("b", []))
            .Add(new ScatterChart("s", "x", "y", []))
            .Add(new ScatterChart("s2", "x", "y", [new ScatterPoint("nan", double.NaN, double.NaN, true)]));
        var xml = ReportMarkup.Parse(HtmlReportWriter.Write(document));
        Assert.Empty(xml.Descendants("svg"));
        var notes = xml.Root!.ByClass("p", "no-data").ToList();
        Assert.Equal(["before-after", "bar", "scatter", "scatter"], notes.Select(n => (string?)n.Attribute("data-chart-empty")));
        Assert.All(notes, n => Assert.Equal("No data.", n.Value));
        Assert.Equal(["p", "b", "s", "s2"], xml.Descendants("figcaption").Select(f => f.Value));
    }

    [Fact]
    public void Scatter_places_points_on_linear_axes_with_a_threshold_line()
    {
        var points = new[]
        {
            new ScatterPoint("small", 10, 0.90, false),
            new ScatterPoint("medium", 20, 0.97, true),
            new ScatterPoint("large", 30, 1.00, true),
        };
        var svg = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t")
            .Add(new ScatterChart("Trials", "Size (MB)", "Cosine", points, threshold: 0.95, thresholdLabel: "gate")))).Chart("scatter");
        var groups = svg.ByClass("g", "point").ToList();
        Assert.Equal(["fail", "pass", "pass"], groups.Select(g => ((string)g.Attribute("class")!).Split(' ')[1]));
        var dots = groups.Select(g => g.Element("circle")!).ToList();
        Assert.Equal(["#e53e3e", "#38a169", "#38a169"], dots.Select(d => (string?)d.Attribute("fill")));

        // x: equal steps in value are equal steps on screen, increasing to the right.
        double step = dots[1].Number("cx") - dots[0].Number("cx");
        Assert.True(step > 100);
        Assert.Equal(step, dots[2].Number("cx") - dots[1].Number("cx"), 1);
        // y: linear and increasing upwards; the threshold line sits where 0.95 maps.
        double perUnit = (dots[0].Number("cy") - dots[2].Number("cy")) / 0.10;
        Assert.True(perUnit > 0);
        Assert.Equal(dots[0].Number("cy") - 0.07 * perUnit, dots[1].Number("cy"), 1);
        var threshold = svg.ByClass("line", "threshold").Single();
        Assert.Equal(dots[0].Number("cy") - 0.05 * perUnit, threshold.Number("y1"), 1);
        Assert.Equal(threshold.Number("y1"), threshold.Number("y2"));
        Assert.Equal("gate 0.95", svg.ByClass("text", "threshold-label").Single().Value);
        Assert.Equal("medium: Size (MB) 20, Cosine 0.97 (passed)", groups[1].Element("title")!.Value);
        // All points inside the viewBox.
        double width = svg.Number("width"), height = svg.Number("height");
        Assert.All(dots, d => Assert.InRange(d.Number("cx"), 0, width));
        Assert.All(dots, d => Assert.InRange(d.Number("cy"), 0, height));
    }

    [Fact]
    public void Table_pads_short_rows_and_right_aligns_numeric_columns()
    {
        var table = new TableBlock(["Node", "Precision", "Sparsity"], [["conv1", "int8", "30%"], ["fc"]], [false, false, true], "Nodes");
        var xml = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t").Add(table)));
        var rows = xml.Descendants("tbody").Single().Elements("tr").ToList();
        Assert.Equal([3, 3], rows.Select(r => r.Elements("td").Count()));
        Assert.Equal(["fc", "", ""], rows[1].Elements("td").Select(td => td.Value));
        Assert.Equal([null, null, "num"], xml.Descendants("th").Select(th => (string?)th.Attribute("class")));
        Assert.Equal("num", (string?)rows[0].Elements("td").Last().Attribute("class"));
    }

    [Fact]
    public void Cards_show_label_value_and_optional_detail()
    {
        var xml = ReportMarkup.Parse(HtmlReportWriter.Write(new HtmlReportDocument("t")
            .AddCards(new SummaryCard("Size", "11.2 MB", "25% of original"), new SummaryCard("MACs", "1.27 G"))));
        var cards = xml.Root!.ByClass("div", "card").ToList();
        Assert.Equal(["Size", "11.2 MB", "25% of original"], cards[0].Elements().Select(e => e.Value));
        Assert.Equal(["card-label", "card-value"], cards[1].Elements().Select(e => (string?)e.Attribute("class")));
    }

    [Fact]
    public void Invalid_blocks_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeadingBlock("h", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeadingBlock("h", 4));
        Assert.Throws<ArgumentException>(() => new TableBlock(["a"], [["1", "2"]]));
        Assert.Throws<ArgumentException>(() => new TableBlock(["a"], [["1"]], [true, false]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarChart("c", [], maximum: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BarChart("c", [], maximum: double.NaN));
        Assert.Throws<ArgumentNullException>(() => HtmlReportWriter.Write(null!));
    }

    [Fact]
    public void Write_file_writes_utf8_without_bom()
    {
        using var folder = new TestUtilities.TempFolder();
        string path = folder.File("report.html");
        var document = ReportMarkup.Sample(5);
        HtmlReportWriter.WriteFile(document, path);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal((byte)'<', bytes[0]);
        Assert.Equal(HtmlReportWriter.Write(document), System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Long_names_wrap_between_words_not_inside_identifiers()
    {
        // "anywhere" broke node names such as /layer1/conv2/Conv in the middle of a word; break-word only
        // breaks a word that cannot fit on a line of its own.
        string html = HtmlReportWriter.Write(ReportMarkup.Sample());
        Assert.DoesNotContain("overflow-wrap: anywhere", html, StringComparison.Ordinal);
        Assert.DoesNotContain("word-break: break-all", html, StringComparison.Ordinal);
        Assert.Contains("th, td { border-bottom: 1px solid #e2e8f0; padding: 4px 10px; text-align: left; vertical-align: top; overflow-wrap: break-word; word-break: normal; }", html, StringComparison.Ordinal);
    }
}
