using System.Text.RegularExpressions;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>What a child <c>dotnet</c> command did: its exit code and its interleaved stdout/stderr.</summary>
internal sealed partial record CommandResult(string CommandLine, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>
    /// The canonical MSBuild diagnostics in the output (<c>file(line,col): error CODE: text [project]</c>),
    /// de-duplicated because the console logger repeats every error in the build summary.
    /// </summary>
    public IReadOnlyList<BuildDiagnostic> Diagnostics
        => Output.Split('\n')
            .Select(line => CanonicalDiagnostic().Match(line.TrimEnd('\r')))
            .Where(m => m.Success)
            .Select(m => new BuildDiagnostic(m.Groups["file"].Value.Trim(), m.Groups["kind"].Value, m.Groups["code"].Value, m.Groups["text"].Value.Trim()))
            .Distinct()
            .ToArray();

    /// <summary>The errors among <see cref="Diagnostics"/>.</summary>
    public IReadOnlyList<BuildDiagnostic> Errors => Diagnostics.Where(d => d.Kind == "error").ToArray();

    /// <summary>A message for failed assertions: the command and the end of its output.</summary>
    public string Describe()
        => $"`{CommandLine}` exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s:\n{(Output.Length > 8000 ? "…" + Output[^8000..] : Output)}";

    // The console logger indents every line and appends " [project]" to diagnostics.
    [GeneratedRegex(@"^\s*(?<file>[^\s].*?)(\(\d+(,\d+)*\))?\s*:\s*(?<kind>error|warning)\s+(?<code>[A-Za-z]+\d+)\s*:\s*(?<text>.*?)(\s\[[^\]]+\])?$")]
    private static partial Regex CanonicalDiagnostic();
}
