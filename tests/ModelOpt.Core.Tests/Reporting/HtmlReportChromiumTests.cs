using System.Diagnostics;
using System.Text.RegularExpressions;
using ModelOpt.Core.Reporting;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ModelOpt.Core.Tests.Reporting;

/// <summary>
/// Opens a written report in a real browser (headless Chromium): a screenshot must show the chart bars in
/// their colors and at their sizes, and the browser's DOM must hold every chart's SVG and no script that an
/// ONNX node name smuggled in. Both runs are in one test so that CI pays for two browser starts, not more.
/// </summary>
public sealed class HtmlReportChromiumTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private const string HostileName = "<script>document.title='x'</script>&\"'";

    [Fact]
    public void Report_renders_in_headless_chromium()
    {
        string chromium = FindChromium()
            ?? throw new Xunit.Sdk.XunitException(
                "chromium is not installed, and the HTML report's browser test needs it: run `apt-get install -y chromium` (.ci/run does this on CI).");

        using var folder = new TempFolder();
        var document = ReportMarkup.Sample(nodes: 20);
        document.Add(new BarChart("Hostile names", [new BarChartItem(HostileName, 1, ChartStatus.Fail)]));
        string html = folder.File("report.html");
        HtmlReportWriter.WriteFile(document, html);
        string url = new Uri(html).AbsoluteUri;

        // 1. Screenshot.
        string png = folder.File("report.png");
        var shot = RunChromium(chromium, folder, ["--screenshot=" + png, "--window-size=1280,2000", url], png);
        Assert.True(File.Exists(png), $"chromium wrote no screenshot.\n{shot}");
        byte[] bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 10_000, $"the screenshot is {bytes.Length} bytes, too small for a page of charts");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);

        var counts = CountColors(bytes, ChartStyle.BeforeColor, ChartStyle.AfterColor, ChartStyle.OkColor, ChartStyle.WarnColor,
            ChartStyle.FailColor, "#ffffff");
        int total = counts[^1].Total;
        Assert.True(total >= 1280 * 1000, $"the screenshot is {total} pixels, smaller than the window");
        Assert.True(counts[^1].Count < total * 0.97, "the screenshot is (almost) blank white");

        // The before/after chart: every group's larger bar is 380 × 16 px at the 1:1 scale of a 1280 px window.
        var before = document.Blocks.OfType<BeforeAfterBarChart>().Single().Groups;
        double beforeArea = before.Sum(g => g.Before / Math.Max(g.Before, g.After) * 380 * 16);
        double afterArea = before.Sum(g => g.After / Math.Max(g.Before, g.After) * 380 * 16);
        string report = string.Join(", ", counts.Select(c => $"{c.Color}: {c.Count}"));
        Assert.True(counts[0].Count >= beforeArea * 0.9, $"'before' bars: expected about {beforeArea:F0} pixels; {report}");
        Assert.True(counts[1].Count >= afterArea * 0.9, $"'after' bars: expected about {afterArea:F0} pixels; {report}");
        Assert.True(counts[0].Count <= beforeArea * 1.1, $"'before' bars are bigger than drawn; {report}");
        Assert.True(counts[1].Count <= afterArea * 1.1, $"'after' bars are bigger than drawn; {report}");
        // The per-node chart's ok, warn and fail bars, 14 px high and at least 100 px long each.
        Assert.All(counts[2..5], c => Assert.True(c.Count >= 4 * 14 * 100, $"{c.Color} bars are missing; {report}"));

        // 2. The DOM as the browser parsed it.
        var dump = RunChromium(chromium, folder, ["--dump-dom", url], expectedFile: null);
        string dom = dump.Stdout;
        Assert.True(dom.Contains("</html>", StringComparison.OrdinalIgnoreCase), $"chromium dumped no DOM.\n{dump}");
        var kinds = Regex.Matches(dom, "<svg[^>]*\\sdata-chart=\"([a-z-]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(Regex.Count(dom, "<svg[\\s>]"), kinds.Count);
        Assert.Equal(["before-after", "bar", "scatter", "bar"], kinds);
        Assert.Equal(4, Regex.Count(dom, "<figure[\\s>]"));
        Assert.DoesNotContain("<script", dom, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", dom, StringComparison.Ordinal);
        Assert.Contains("<title>resnet18.onnx — optimization report</title>", dom, StringComparison.Ordinal);
    }

    private static string? FindChromium()
    {
        foreach (string name in new[] { "chromium", "chromium-browser" })
        {
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private sealed record ChromiumRun(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString()
        {
            string tail = Stderr.Length > 3000 ? Stderr[^3000..] : Stderr;
            return $"exit code {ExitCode}; stderr (tail):\n{tail}";
        }
    }

    /// <summary>Runs headless chromium with the isolating flags; "--headless" first, "--headless=new" if that
    /// did not produce the output (builds differ in which one they take).</summary>
    private static ChromiumRun RunChromium(string chromium, TempFolder folder, string[] arguments, string? expectedFile)
    {
        ChromiumRun? first = null;
        foreach (string headless in new[] { "--headless", "--headless=new" })
        {
            var run = RunOnce(chromium, folder, headless, arguments);
            bool produced = expectedFile is null ? run.Stdout.Contains("</html>", StringComparison.OrdinalIgnoreCase) : File.Exists(expectedFile);
            if (produced) return run;
            first ??= run;
        }
        return first!;
    }

    private static ChromiumRun RunOnce(string chromium, TempFolder folder, string headless, string[] arguments)
    {
        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] flags =
        [
            headless, "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
            "--force-color-profile=srgb", "--user-data-dir=" + Path.Combine(folder.Path, "profile"),
        ];
        foreach (string flag in flags) start.ArgumentList.Add(flag);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new Xunit.Sdk.XunitException($"chromium {headless} {string.Join(' ', arguments)} ran past {Timeout.TotalSeconds} s and was killed.\n{stderr.Result}");
        }
        process.WaitForExit();
        return new ChromiumRun(process.ExitCode, stdout.Result, stderr.Result);
    }

    private sealed record ColorCount(string Color, int Count, int Total);

    /// <summary>Pixels of each color (within 3 per channel) in the PNG.</summary>
    private static List<ColorCount> CountColors(byte[] png, params string[] colors)
    {
        var targets = colors.Select(c => Rgba32.ParseHex(c)).ToArray();
        var counts = new int[colors.Length];
        using var image = Image.Load<Rgba32>(png);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                foreach (var pixel in rows.GetRowSpan(y))
                {
                    for (int i = 0; i < targets.Length; i++)
                    {
                        var t = targets[i];
                        if (Math.Abs(pixel.R - t.R) <= 3 && Math.Abs(pixel.G - t.G) <= 3 && Math.Abs(pixel.B - t.B) <= 3) counts[i]++;
                    }
                }
            }
        });
        int total = image.Width * image.Height;
        return [.. colors.Select((c, i) => new ColorCount(c, counts[i], total))];
    }
}
