using ModelOpt.Engine.Jobs;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Reports;

/// <summary>Writes a job's report files (JSON, Markdown, HTML: whichever the job asks for), each atomically.</summary>
public static class ReportFiles
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="job"/>'s report paths.</summary>
    public static void Write(OptimizationJob job, OptimizationReport report)
    {
        if (job.ReportPath is not null) AtomicFile.WriteAllText(job.ReportPath, ReportWriter.Json(report));
        if (job.MarkdownReportPath is not null) AtomicFile.WriteAllText(job.MarkdownReportPath, ReportWriter.Markdown(report));
        if (job.HtmlReportPath is not null) AtomicFile.WriteAllText(job.HtmlReportPath, HtmlReport.Write(report));
    }
}
