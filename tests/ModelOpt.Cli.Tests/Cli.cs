namespace ModelOpt.Cli.Tests;

/// <summary>Runs <c>modelopt</c> in process and captures what it prints; .</summary>
internal static class Cli
{
    /// <summary>
    /// Runs <paramref name="args"/>; <c>optimize</c> without a cache option gets <c>--no-cache</c>:
    /// tests read nothing outside the repository (the per-user cache is), and each must really
    /// optimize. The cache tests pass folders of their own.
    /// </summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        if (args.Length > 0 && args[0] == "optimize" && !args.Any(a => a.Contains("cache", StringComparison.Ordinal))) args = [.. args, "--no-cache"];
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = CommandDispatcher.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
