namespace ModelOpt.Build.Tasks.Tests;

/// <summary>One <c>dotnet build</c> of a consumer: the command's result and its binary log.</summary>
internal sealed record BuildRun(CommandResult Result, BuildLog Log)
{
    public bool Succeeded => Result.ExitCode == 0;

    /// <summary>Fails the test with the build's output unless it succeeded.</summary>
    public BuildRun AssertSucceeded()
    {
        Assert.True(Succeeded, Result.Describe());
        return this;
    }

    /// <summary>Fails the test with the build's output unless it failed.</summary>
    public BuildRun AssertFailed()
    {
        Assert.False(Succeeded, Result.Describe());
        return this;
    }
}
