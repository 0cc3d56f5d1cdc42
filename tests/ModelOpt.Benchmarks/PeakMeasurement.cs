namespace ModelOpt.Benchmarks;

/// <summary>
/// What a measuring child process reports back: resident size right before the measured work,
/// the peak during it, whether the peak could be reset after warm-up, and (for the large model)
/// the external bytes that <c>ModelSummary</c> saw.
/// </summary>
internal sealed record PeakMeasurement(long BaselineBytes, long PeakBytes, bool PeakWasReset, long SummaryExternalBytes)
{
    /// <summary>The memory the measured work added on top of the baseline.</summary>
    public long AddedBytes => Math.Max(0, PeakBytes - BaselineBytes);

    /// <summary>One line for the benchmark log.</summary>
    public string Describe()
        => $"baseline RSS {Units.MiB(BaselineBytes)}, peak RSS {Units.MiB(PeakBytes)}, peak reset after warm-up: {PeakWasReset}";
}
