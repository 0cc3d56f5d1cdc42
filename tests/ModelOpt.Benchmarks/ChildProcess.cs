using System.Diagnostics;
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

    public static PeakMeasurement Run(params string[] arguments)
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

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start '{start.FileName}'.");
        // Read both pipes at once so a chatty child cannot block on a full one.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        string output = stdout.GetAwaiter().GetResult();
        string errors = stderr.GetAwaiter().GetResult();

        string? resultLine = output.Split('\n').Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        if (process.ExitCode != 0 || resultLine is null)
        {
            throw new InvalidOperationException(
                $"The measuring child '{string.Join(' ', arguments)}' failed with exit code {process.ExitCode}.\n{output}{errors}");
        }
        return JsonSerializer.Deserialize<PeakMeasurement>(resultLine[ResultPrefix.Length..])
            ?? throw new InvalidOperationException($"The measuring child wrote an empty result: {resultLine}");
    }

    /// <summary>Called in the child: writes the result for <see cref="Run"/> to read.</summary>
    public static void Report(PeakMeasurement measurement, TextWriter output)
        => output.WriteLine(ResultPrefix + JsonSerializer.Serialize(measurement));
}
