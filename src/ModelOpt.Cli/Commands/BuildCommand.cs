using ModelOpt.Cache;
using ModelOpt.Cache.Settings;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cli.Commands;

/// <summary>
/// <c>modelopt build @response-file</c>: the worker side of the MSBuild task. The response file
/// holds one block per stale model (<c>--model</c> … <c>--end</c>). Every model is attempted
/// even when an earlier one fails, so one build reports every problem at once. The cache
/// settings come first (the project's ModelOptCache* properties; without them the per-user
/// folder is used); one cache serves every model of the run, so a tier that is down costs one
/// warning per build.
/// </summary>
internal static class BuildCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var (projectReport, modelReports, cacheSettings, project) = FrontArguments(ref args);
        var jobs = ParseJobs(args, error, out bool parseFailed);
        bool failed = parseFailed;
        using var cache = jobs.Count == 0 ? null : ModelCache.Open(cacheSettings, error, project ?? jobs[0].DiagnosticsFile);
        var engine = new OptimizationEngine(error, output, cache);
        foreach (var job in jobs)
        {
            try
            {
                var report = engine.Run(job);
                string? reportPath = job.HtmlReportPath ?? job.MarkdownReportPath;
                output.WriteLine(report.SummaryLine() + (reportPath is null ? "" : $"; report: {reportPath}"));
                // Indented lines are details: the build logs them at low importance.
                foreach (string line in report.DetailLines()) output.WriteLine("  " + line);
            }
            catch (ModelOptException e)
            {
                error.WriteLine(e.ToCanonicalString());
                failed = true;
            }
        }
        if (!failed && projectReport is not null)
        {
            ProjectReport.Write(projectReport, modelReports);
            output.WriteLine($"ModelOpt.Build project report: {projectReport}");
        }
        return failed ? CommandDispatcher.Failure : CommandDispatcher.Success;
    }

    /// <summary>
    /// Takes the run's own arguments off the front: the cache settings (<c>--cache-dir path</c>,
    /// …, preceded by <c>--cache-project path</c>, the file their errors point at), then
    /// <c>--project-report path</c> and one <c>--model-report path</c> per model of the project
    /// (stale or not).
    /// </summary>
    private static (string? ProjectReport, List<string> ModelReports, CacheSettings Cache, string? Project) FrontArguments(ref IReadOnlyList<string> args)
    {
        string? projectReport = null, project = null;
        var modelReports = new List<string>();
        var cache = new CacheSettings();
        int i = 0;
        for (; i + 1 < args.Count; i += 2)
        {
            string name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : "";
            if (name == "project-report") projectReport = args[i + 1];
            else if (name == "model-report") modelReports.Add(args[i + 1]);
            else if (name == "cache-project") project = args[i + 1];
            else if (CacheSettings.IsSetting(name)) cache = cache.With(name, args[i + 1], project);
            else break;
        }
        args = args.Skip(i).ToList();
        return (projectReport, modelReports, cache, project);
    }

    private static List<OptimizationJob> ParseJobs(IReadOnlyList<string> args, TextWriter error, out bool failed)
    {
        failed = false;
        var jobs = new List<OptimizationJob>();
        var block = new Dictionary<string, string>(StringComparer.Ordinal);
        var options = new List<KeyValuePair<string, string>>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--end")
            {
                try
                {
                    jobs.Add(ToJob(block, options));
                }
                catch (ModelOptException e)
                {
                    // Bad metadata fails this item (pointing at the project), not the others.
                    error.WriteLine(e.ToCanonicalString());
                    failed = true;
                }
                block.Clear();
                options.Clear();
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ModelOptException(DiagnosticCode.InvalidArgument, null, $"build: unexpected argument '{arg}'; expected '--name value' pairs ending with '--end'.");
            }
            string value = args[++i];
            string name = arg[2..];
            if (name is "model" or "output" or "report" or "markdown-report" or "html-report" or "project" or "distiller" or "distiller-native") block[name] = value;
            else options.Add(KeyValuePair.Create(name, value));
        }
        if (block.Count > 0 || options.Count > 0) throw new ModelOptException(DiagnosticCode.InvalidArgument, null, "build: the last model block has no '--end'.");
        return jobs;
    }

    private static OptimizationJob ToJob(Dictionary<string, string> block, List<KeyValuePair<string, string>> options)
    {
        if (!block.TryGetValue("model", out string? model) || !block.TryGetValue("output", out string? output))
        {
            throw new ModelOptException(DiagnosticCode.InvalidArgument, null, "build: every block needs --model and --output.");
        }
        string? project = block.GetValueOrDefault("project");
        var parsed = OptimizationOptions.Parse(options, project, $"OptimizeModel '{model}'");
        if (!File.Exists(model))
        {
            throw new ModelOptException(DiagnosticCode.FileNotReadable, project ?? model, $"OptimizeModel '{model}': the model file does not exist. Fix the item's Include path.");
        }
        return new OptimizationJob(model, output, block.GetValueOrDefault("report"), block.GetValueOrDefault("markdown-report"), project, parsed)
        {
            HtmlReportPath = block.GetValueOrDefault("html-report"),
            DistillerPath = block.GetValueOrDefault("distiller"),
            DistillerNativePath = block.GetValueOrDefault("distiller-native"),
        };
    }
}
