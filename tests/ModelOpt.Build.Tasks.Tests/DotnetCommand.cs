using System.Diagnostics;
using System.Text;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// Runs the <c>dotnet</c> CLI as a child process with a timeout, in an environment cleaned of
/// what the test host inherited from its own build, so that every consumer build starts like
/// a developer's fresh command line.
/// </summary>
internal static class DotnetCommand
{
    // The test host runs under `dotnet test`, whose MSBuild exports these; a child build must
    // find its own SDK, not reuse the parent's MSBuild paths or host.
    private static readonly string[] InheritedVariablePrefixes = ["MSBuild", "MSBUILD", "DOTNET_HOST_PATH", "VSTEST", "NUGET_PACKAGES"];

    public static CommandResult Run(string workingDirectory, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (string name in start.Environment.Keys.ToArray())
        {
            if (InheritedVariablePrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))) start.Environment.Remove(name);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        // No MSBuild server and no reusable nodes: nothing may outlive the command it belongs to.
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        // MSBuild reads environment variables as properties: no consumer build uses the
        // developer's per-user model cache (tests read nothing outside the repository, and each
        // test's builds must really optimize). The cache tests turn it on with -p:ModelOptCache=true
        // and a folder of their own.
        start.Environment["ModelOptCache"] = "false";
        if (environment is not null)
        {
            foreach (var (name, value) in environment) start.Environment[name] = value;
        }

        string commandLine = "dotnet " + string.Join(' ', start.ArgumentList.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        var output = new StringBuilder();
        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`{commandLine}` did not finish within {timeout.TotalSeconds:F0} s:\n{output}");
        }
        process.WaitForExit(); // flushes the asynchronous output readers
        return new CommandResult(commandLine, process.ExitCode, output.ToString(), stopwatch.Elapsed);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null) return;
        lock (output) output.Append(line).Append('\n');
    }
}
