using Microsoft.Build.Logging.StructuredLogger;
using LoggedBuild = Microsoft.Build.Logging.StructuredLogger.Build;
using LoggedTask = Microsoft.Build.Logging.StructuredLogger.Task;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// What a consumer build's binary log says about ModelOpt: which targets ran and which models
/// reached the worker. Asserting on the log, not on console text, keeps the tests independent
/// of verbosity and wording.
/// </summary>
internal sealed class BuildLog
{
    private readonly List<Target> _targets = [];
    private readonly List<LoggedTask> _tasks = [];

    public BuildLog(string binlogPath)
    {
        LoggedBuild build = BinaryLog.ReadBuild(binlogPath);
        build.VisitAllChildren<Target>(_targets.Add);
        build.VisitAllChildren<LoggedTask>(_tasks.Add);
    }

    /// <summary>How many times the worker task ran (once per project and target framework with stale models).</summary>
    public int WorkerRuns => _tasks.Count(t => t.Name == "OptimizeModels");

    /// <summary>The item specs of the models handed to the worker, over every run, with '/' separators.</summary>
    public IReadOnlyList<string> WorkerModels => TaskInputs("OptimizeModels", "Models");

    /// <summary>The items that every run of <paramref name="task"/> received as <paramref name="parameter"/>, with '/' separators.</summary>
    public IReadOnlyList<string> TaskInputs(string task, string parameter)
        => _tasks
            .Where(t => t.Name == task)
            .SelectMany(t => t.FindChildrenRecursive<Parameter>(p => p.Name == parameter))
            .SelectMany(p => p.Children.OfType<Item>())
            .Select(i => i.Text.Replace('\\', '/'))
            .ToArray();

    /// <summary>Every message the worker task logged (summary lines, details, progress), at any importance.</summary>
    public IReadOnlyList<string> WorkerMessages
        => _tasks.Where(t => t.Name == "OptimizeModels").SelectMany(t => t.FindChildrenRecursive<Message>()).Select(m => m.Text).ToArray();

    /// <summary>True when <paramref name="target"/> executed somewhere in the build (not skipped for being up to date or by its condition).</summary>
    public bool Ran(string target) => _targets.Any(t => t.Name == target && !t.Skipped);

    /// <summary>True when <paramref name="target"/> was considered and skipped every time.</summary>
    public bool OnlySkipped(string target) => _targets.Any(t => t.Name == target) && !Ran(target);
}
