using System.Diagnostics;

namespace ModelOpt.Cli.Tests;

/// <summary>
/// <c>modelopt</c> as its own process (<c>dotnet exec modelopt.dll</c>, as the build task runs
/// it), for what one process cannot show: builds running at the same time, a worker killed.
/// </summary>
internal static class WorkerProcess
{
    private static string Assembly => Path.Combine(AppContext.BaseDirectory, "modelopt.dll");

    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Assembly);
        foreach (string arg in args) start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("modelopt did not start.");
    }

    /// <summary>Runs to the end (at most two minutes) and returns the exit code and both outputs.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var process = Start(args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"modelopt {string.Join(' ', args)} did not finish in two minutes.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
