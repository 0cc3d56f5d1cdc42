using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Diagnostics;

namespace ModelOpt.Cli.Commands;

/// <summary>
/// <c>modelopt build @response-file</c>: the worker side of the MSBuild task. The response file
/// holds one block per stale model (<c>--model</c> … <c>--end</c>). Every model is attempted
/// even when an earlier one fails, so one build reports every problem at once.
/// </summary>
internal static class BuildCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var (projectReport, modelReports) = ProjectReportArguments(ref args);
        var jobs = ParseJobs(args, error, out bool parseFailed);
        bool failed = parseFailed;
        var engine = new OptimizationEngine(error, output);
        foreach (var job in jobs)
        {
            try
            {
                var report = engine.Run(job);
                string? reportPath = job.HtmlReportPath ?? job.MarkdownReportPath;
                output.WriteLine(report.SummaryLine() + (reportPath is null ? "" : $"; report: {reportPath}"));
                // Indented lines are details: the build logs them at low importance.
                foreach (var step in report.Steps) output.WriteLine("  " + step);
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
    /// Takes the project report's arguments off the front: <c>--project-report path</c>, then one
    /// <c>--model-report path</c> per model of the project (stale or not).
    /// </summary>
    private static (string? ProjectReport, List<string> ModelReports) ProjectReportArguments(ref IReadOnlyList<string> args)
    {
        string? projectReport = null;
        var modelReports = new List<string>();
        int i = 0;
        for (; i + 1 < args.Count; i += 2)
        {
            if (args[i] == "--project-report") projectReport = args[i + 1];
            else if (args[i] == "--model-report") modelReports.Add(args[i + 1]);
            else break;
        }
        args = args.Skip(i).ToList();
        return (projectReport, modelReports);
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
