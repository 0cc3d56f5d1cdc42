namespace ModelOpt.Cli.Tests;

/// <summary><c>--version</c> and <c>--help</c>, on their own and after a command.</summary>
public sealed class HelpTests
{
    [Fact]
    public void Version_prints_the_tool_version()
    {
        var (exitCode, output, error) = Cli.Run("--version");
        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Matches(@"^modelopt \d+\.\d+\.\d+", output);
    }

    [Fact]
    public void Help_after_a_command_prints_every_option_including_Auto_and_the_html_report()
    {
        var (exitCode, output, _) = Cli.Run("optimize", "--help");
        Assert.Equal(0, exitCode);
        Assert.Contains("--html-report", output, StringComparison.Ordinal);
        Assert.Contains("--quantize None|Dynamic|Static|Int4|Float16|Auto|Recommended [Recommended]", output, StringComparison.Ordinal);
        Assert.Contains("--version", output, StringComparison.Ordinal);
    }
}
