namespace ModelOpt.Benchmarks;

/// <summary>Robust summaries of timing runs: medians shrug off the outliers a shared machine produces.</summary>
internal static class Statistics
{
    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
