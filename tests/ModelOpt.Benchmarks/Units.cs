using System.Globalization;

namespace ModelOpt.Benchmarks;

/// <summary>Byte counts as people read them.</summary>
internal static class Units
{
    public const long MebiByte = 1L << 20;
    public const long GibiByte = 1L << 30;

    public static string MiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{(double)bytes / MebiByte:0.0} MiB");

    public static string GiB(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{(double)bytes / GibiByte:0.00} GiB");
}
