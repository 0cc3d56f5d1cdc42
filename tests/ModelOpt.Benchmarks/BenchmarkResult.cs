using System.Globalization;

namespace ModelOpt.Benchmarks;

/// <summary>
/// One row of the results table. Measured values are compared with a baseline taken in the
/// same run, because absolute numbers on a shared, noisy machine say little on their own.
/// <see cref="Passed"/> is null for rows reported for information only.
/// </summary>
internal sealed record BenchmarkResult(string Measure, string Value, string Baseline, string Ratio, string Target, bool? Passed)
{
    /// <summary>A measured ratio against a target: passes when <paramref name="ratio"/> is at most <paramref name="limit"/>.</summary>
    public static BenchmarkResult AtMost(string measure, string value, string baseline, double ratio, double limit)
        => new(measure, value, baseline, Format(ratio), "<= " + Format(limit), ratio <= limit);

    /// <summary>A ratio reported without a target of its own.</summary>
    public static BenchmarkResult Info(string measure, string value, string baseline, double ratio)
        => new(measure, value, baseline, Format(ratio), "—", null);

    /// <summary>A yes/no check, e.g. "the saved bytes equal the original".</summary>
    public static BenchmarkResult Check(string measure, string value, string target, bool passed)
        => new(measure, value, "—", "—", target, passed);

    // Two decimals, except for ratios far below 1 (memory against a budget), which would all read 0.00.
    private static string Format(double ratio)
        => ratio.ToString(Math.Abs(ratio) >= 0.01 ? "0.00" : "0.0000", CultureInfo.InvariantCulture);
}
