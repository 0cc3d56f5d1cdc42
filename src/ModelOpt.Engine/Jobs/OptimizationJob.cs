using ModelOpt.Engine.Options;

namespace ModelOpt.Engine.Jobs;

/// <summary>
/// One model to optimize: where it is, where its outputs go, and with which options.
/// <paramref name="DiagnosticsFile"/> is the file option errors point at (the project, for build items).
/// </summary>
public sealed record OptimizationJob(
    string ModelPath,
    string OutputPath,
    string? ReportPath,
    string? MarkdownReportPath,
    string? DiagnosticsFile,
    OptimizationOptions Options)
{
    /// <summary>The self-contained HTML report for people, with charts; null for none.</summary>
    public string? HtmlReportPath { get; init; }

    /// <summary>The folder of the distiller (the ModelOpt.Build.Distillation package's), or null to look in the usual places (<see cref="Distillation.DistillerLoader"/>).</summary>
    public string? DistillerPath { get; init; }

    /// <summary>The folders of TorchSharp's and LibTorch's natives (<c>;</c>-separated), or null when they lie beside the distiller or where TorchSharp looks itself.</summary>
    public string? DistillerNativePath { get; init; }
}
