using Microsoft.Build.Framework;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>A build engine for running a task in a unit test: errors become exceptions (or are collected), messages are dropped.</summary>
internal sealed class SilentBuildEngine : IBuildEngine
{
    public bool ContinueOnError => false;

    public int LineNumberOfTaskNode => 0;

    public int ColumnNumberOfTaskNode => 0;

    public string ProjectFileOfTaskNode => "test.csproj";

    public bool BuildProjectFile(string projectFileName, string[] targetNames, System.Collections.IDictionary globalProperties, System.Collections.IDictionary targetOutputs) => false;

    public void LogCustomEvent(CustomBuildEventArgs e)
    {
    }

    public List<BuildErrorEventArgs> Errors { get; } = [];

    /// <summary>Whether an error fails the test at once (the default) or is collected in <see cref="Errors"/>.</summary>
    public bool ThrowOnError { get; init; } = true;

    public void LogErrorEvent(BuildErrorEventArgs e)
    {
        if (ThrowOnError) throw new InvalidOperationException(e.Message);
        Errors.Add(e);
    }

    public void LogMessageEvent(BuildMessageEventArgs e)
    {
    }

    public void LogWarningEvent(BuildWarningEventArgs e)
    {
    }
}
