using System.Globalization;

namespace ModelOpt.Engine.Reports;

/// <summary>How every report and summary line writes sizes and ratios: invariant culture, so a build on a German machine prints the same text.</summary>
public static class ReportFormat
{
    /// <summary><c>25%</c> (or <c>25.1%</c> with one decimal) of <paramref name="whole"/>.</summary>
    public static string Percent(long part, long whole, int decimals = 0) => Percent((double)part / Math.Max(1, whole), decimals);

    /// <summary><paramref name="fraction"/> as a percentage: 0.5 → <c>50%</c>.</summary>
    public static string Percent(double fraction, int decimals = 0)
        => (100 * fraction).ToString(decimals == 0 ? "0" : "0." + new string('0', decimals), CultureInfo.InvariantCulture) + "%";

    /// <summary><c>16.0 MB</c> (decimal megabytes, as file managers show them).</summary>
    public static string Megabytes(long bytes) => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB";
}
