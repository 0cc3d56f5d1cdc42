using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace ModelOpt.Benchmarks;

/// <summary>
/// Runs this benchmark executable again with a hidden sub-command. Memory is measured there
/// because a process's peak resident size can only grow: in the parent it would include the
/// timing runs and every earlier allocation.
/// </summary>
internal static class ChildProcess
{
    /// <summary>The line prefix a child puts before its JSON result; everything else it prints is passed through.</summary>
    public const string ResultPrefix = "RESULT ";

    public static PeakMeasurement Run(params string[] arguments) => Run(null, arguments);

    /// <summary>Runs the child; lines it prints with <see cref="StageTimer.Prefix"/> go to <paramref name="stageLog"/> as they come (a long run shows where it is).</summary>
    public static PeakMeasurement Run(TextWriter? stageLog, params string[] arguments)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark cannot find its own executable."),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Started as `dotnet ModelOpt.Benchmarks.dll` the process path is the host; pass the assembly too.
        if (string.Equals(Path.GetFileNameWithoutExtension(start.FileName), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }
        foreach (string argument in arguments) start.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        var errors = new StringBuilder();
        // Both pipes are read as lines arrive, so a chatty child cannot block on a full one.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.Append(e.Data).Append('\n');
            if (stageLog is not null && e.Data.StartsWith(StageTimer.Prefix, StringComparison.Ordinal))
            {
                lock (stageLog)
                {
                    stageLog.WriteLine("    " + e.Data[StageTimer.Prefix.Length..]);
                    stageLog.Flush();
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (errors) errors.Append(e.Data).Append('\n');
        };
        if (!process.Start()) throw new InvalidOperationException($"Cannot start '{start.FileName}'.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();

        string text = output.ToString();
        string? resultLine = text.Split('\n').LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (process.ExitCode != 0 || resultLine is null)
        {
            throw new InvalidOperationException(
                $"The measuring child '{string.Join(' ', arguments)}' failed with exit code {process.ExitCode}.\n{text}{errors}");
        }
        return JsonSerializer.Deserialize<PeakMeasurement>(resultLine[ResultPrefix.Length..])
            ?? throw new InvalidOperationException($"The measuring child wrote an empty result: {resultLine}");
    }

    /// <summary>Called in the child: writes the result for <see cref="Run"/> to read.</summary>
    public static void Report(PeakMeasurement measurement, TextWriter output)
        => output.WriteLine(ResultPrefix + JsonSerializer.Serialize(measurement));
}
