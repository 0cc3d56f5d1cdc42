namespace ModelOpt.Benchmarks;

/// <summary>
/// What a measuring child process reports back: resident size right before the measured work,
/// the peak during it, whether the peak could be reset after warm-up, and (for the large model)
/// the external bytes that <c>ModelSummary</c> saw, and (for the scaling benchmark) the time taken.
/// </summary>
internal sealed record PeakMeasurement(long BaselineBytes, long PeakBytes, bool PeakWasReset, long SummaryExternalBytes)
{
    /// <summary>How long the measured work took, where the child times it (the scaling benchmark); 0 otherwise.</summary>
    public double Seconds { get; init; }

    /// <summary>CPU time of the process (every thread) during the measured work, where timed; on a shared machine it varies less than wall time.</summary>
    public double CpuSeconds { get; init; }

    /// <summary>The memory the measured work added on top of the baseline.</summary>
    public long AddedBytes => Math.Max(0, PeakBytes - BaselineBytes);

    /// <summary>One line for the benchmark log.</summary>
    public string Describe()
        => $"baseline RSS {Units.MiB(BaselineBytes)}, peak RSS {Units.MiB(PeakBytes)}, peak reset after warm-up: {PeakWasReset}";
}
