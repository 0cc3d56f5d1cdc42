using System.Globalization;
using System.Xml.Linq;
using ModelOpt.Core.Reporting;

namespace ModelOpt.Core.Tests.Reporting;

/// <summary>Sample documents and XML access to the writer's output for the reporting tests.</summary>
internal static class ReportMarkup
{
    public const string Doctype = "<!DOCTYPE html>\n";

    /// <summary>Parses the writer's output as XML (it is written XHTML-compatible), without the doctype.</summary>
    public static XDocument Parse(string html)
    {
        Assert.StartsWith(Doctype, html, StringComparison.Ordinal);
        return XDocument.Parse(html[Doctype.Length..]);
    }

    public static IEnumerable<XElement> ByClass(this XContainer root, string element, string cssClass)
        => root.Descendants(element).Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cssClass) == true);

    public static double Number(this XElement element, string attribute)
        => double.Parse((string?)element.Attribute(attribute) ?? throw new InvalidOperationException($"No {attribute} on {element}"),
            NumberStyles.Float, CultureInfo.InvariantCulture);

    public static XElement Chart(this XDocument document, string kind)
        => Assert.Single(document.Descendants("svg"), s => (string?)s.Attribute("data-chart") == kind);

    /// <summary>A report with every block kind and every chart kind, like a real per-model page.</summary>
    public static HtmlReportDocument Sample(int nodes = 40)
    {
        var document = new HtmlReportDocument("resnet18.onnx — optimization report", "Models/resnet18.onnx · Quantize=Static, Prune=Structured 30%");
        document.AddCards(
            new SummaryCard("Size", "11.2 MB", "25.0% of original"),
            new SummaryCard("Parameters", "11,689,512"),
            new SummaryCard("Cosine similarity", "0.9987", "gate ≥ 0.99"));
        document.AddHeading("Before and after");
        document.Add(new BeforeAfterBarChart("Size, parameters, MACs and latency", [
            new BeforeAfterGroup("Size", 44.7, 11.2, "MB"),
            new BeforeAfterGroup("Parameters", 11_689_512, 8_182_658),
            new BeforeAfterGroup("MACs", 1_814_073_344, 1_270_000_000),
            new BeforeAfterGroup("Latency", 12.5, 4.1, "ms"),
        ]));
        document.AddHeading("Accuracy");
        document.Add(new TableBlock(["Metric", "Value", "Gate"], [
            ["Cosine similarity", "0.9987", "≥ 0.99"],
            ["Max absolute error", "0.0421", ""],
            ["Top-1 agreement", "98.4%", "≥ 97%"],
        ], [false, true, true]));
        document.AddHeading("Per-node error", 3);
        var items = new List<BarChartItem>();
        for (int i = 0; i < nodes; i++)
        {
            double cosine = 1 - (i % 7) * 0.002;
            var status = cosine >= 0.995 ? ChartStatus.Ok : cosine >= 0.99 ? ChartStatus.Warn : ChartStatus.Fail;
            items.Add(new BarChartItem($"/layer{i / 4}/conv{i % 4}/Conv", cosine, status));
        }
        document.Add(new BarChart("Cosine similarity per node", items, threshold: 0.99, thresholdLabel: "gate", maximum: 1, valueFormat: "0.0000", minimum: 0.98));
        document.AddHeading("Auto search", 3);
        document.Add(new ScatterChart("Trials: size against cosine similarity", "Size (MB)", "Cosine similarity", [
            new ScatterPoint("Int4 block 32", 6.1, 0.962, false),
            new ScatterPoint("Int4 block 128", 6.0, 0.951, false),
            new ScatterPoint("Dynamic", 11.3, 0.9991, true),
            new ScatterPoint("Static per-channel", 11.2, 0.9987, true),
            new ScatterPoint("Float16", 22.4, 0.99999, true),
        ], threshold: 0.99, thresholdLabel: "gate"));
        document.AddParagraph("Latency measured on CPU, median of 50 runs.");
        return document;
    }
}
