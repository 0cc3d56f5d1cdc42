using System.Globalization;

namespace ModelOpt.Benchmarks;

/// <summary>
/// This process's resident memory as Linux reports it in <c>/proc/self/status</c>: VmRSS (now)
/// and VmHWM (the peak). Resident size, unlike the GC's numbers, also counts native buffers and
/// mapped file pages that are touched, which is what "the model is not copied" has to cover.
/// </summary>
internal static class ProcessMemory
{
    private const string StatusPath = "/proc/self/status";

    /// <summary>Whether the measurements can be taken here.</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux() && File.Exists(StatusPath);

    /// <summary>The resident set size now, in bytes.</summary>
    public static long CurrentResidentBytes() => ReadKilobytes("VmRSS:") * 1024;

    /// <summary>The highest resident set size so far (since start or the last <see cref="TryResetPeak"/>), in bytes.</summary>
    public static long PeakResidentBytes() => ReadKilobytes("VmHWM:") * 1024;

    /// <summary>
    /// Lowers the high-water mark to the current resident size (writing 5 to clear_refs, Linux 4.0+,
    /// proc(5)), so a peak during warm-up does not hide the peak of the measured work.
    /// Returns false where the kernel does not allow it; the peak then includes warm-up, which only overstates it.
    /// </summary>
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Collects garbage and returns freed pages, so the baseline holds no garbage from earlier work.</summary>
    public static void Settle()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private static long ReadKilobytes(string key)
    {
        foreach (string line in File.ReadLines(StatusPath))
        {
            if (!line.StartsWith(key, StringComparison.Ordinal)) continue;
            // The line reads e.g. "VmHWM:     123456 kB".
            string number = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            return long.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"{StatusPath} has no '{key}' line.");
    }
}
