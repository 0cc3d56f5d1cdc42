using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ModelOpt.Build.Tasks;

/// <summary>
/// Runs the <c>modelopt</c> worker once for all stale models of the project:
/// <c>dotnet exec modelopt.dll @response-file</c>. The heavy work (ONNX Runtime, native code,
/// gigabytes of weights) stays out of the long-lived MSBuild node; Ctrl+C kills the worker
/// (ToolTask's cancellation), and the worker never leaves a partial output behind.
/// The worker prints canonical diagnostics (<c>file: error MOPTnnnn: text</c>), which are
/// logged as errors and warnings; its summary lines are logged at high importance, details
/// (lines indented by two spaces) at low importance.
/// </summary>
public sealed class OptimizeModels : ToolTask
{
    /// <summary>The stale planned models (from <see cref="PlanModelOutputs"/>); empty when only the project report is due.</summary>
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>Where the project report (HTML, with .md and .json beside it) goes; empty for none.</summary>
    public string ProjectReport { get; set; } = "";

    /// <summary>The JSON reports of every model of the project, read for the project report.</summary>
    public ITaskItem[] ModelReports { get; set; } = [];

    /// <summary>
    /// A folder with the native ONNX Runtime the worker loads instead of its own (the
    /// <c>runtimes/linux-x64/native</c> folder of <c>Microsoft.ML.OnnxRuntime.Gpu.Linux</c>, from
    /// <c>ModelOptOnnxRuntimeNative</c>); empty for the worker's CPU runtime.
    /// </summary>
    public string OnnxRuntimeNative { get; set; } = "";

    /// <summary>Full path of <c>modelopt.dll</c>.</summary>
    [Required]
    public string WorkerAssembly { get; set; } = "";

    /// <summary>The distiller's folder (set by the ModelOpt.Build.Distillation package's targets), or empty.</summary>
    public string DistillerPath { get; set; } = "";

    /// <summary>The folders of TorchSharp's and LibTorch's natives (set by the ModelOpt.Build.Distillation package's targets), or empty.</summary>
    public string DistillerNativePath { get; set; } = "";

    /// <summary>The project file, named by diagnostics about item metadata.</summary>
    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary><c>$(ModelOptCache)</c>: false computes every model and stores nothing.</summary>
    public string Cache { get; set; } = "";

    /// <summary><c>$(ModelOptCacheSize)</c>: the per-user folder's size limit.</summary>
    public string CacheSize { get; set; } = "";

    /// <summary><c>$(ModelOptLocalCacheDir)</c>: the per-user folder; empty for the default.</summary>
    public string LocalCacheDir { get; set; } = "";

    /// <summary><c>$(ModelOptCacheDir)</c>: the team's shared folder.</summary>
    public string CacheDir { get; set; } = "";

    /// <summary><c>$(ModelOptRemoteCache)</c>: the HTTP cache's URL.</summary>
    public string RemoteCache { get; set; } = "";

    /// <summary><c>$(ModelOptRemoteCacheMode)</c>: ReadWrite or Read.</summary>
    public string RemoteCacheMode { get; set; } = "";

    /// <summary><c>$(ModelOptRemoteCacheTokenVariable)</c>: the NAME of the environment variable holding the bearer token.</summary>
    public string RemoteCacheTokenVariable { get; set; } = "";

    /// <summary><c>$(ModelOptCacheSigningKeyVariable)</c>: the NAME of the environment variable holding the signing key.</summary>
    public string CacheSigningKeyVariable { get; set; } = "";

    /// <summary><c>$(ModelOptRemoteCacheTimeout)</c>: seconds one request to the remote cache may take.</summary>
    public string RemoteCacheTimeout { get; set; } = "";

    /// <inheritdoc/>
    protected override string ToolName => "dotnet";

    /// <inheritdoc/>
    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.High;

    /// <inheritdoc/>
    protected override Encoding ResponseFileEncoding => new UTF8Encoding(false);

    /// <inheritdoc/>
    protected override string GenerateFullPathToTool()
    {
        // The SDK tells tasks which dotnet runs the build; use the same one for the worker.
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return string.IsNullOrEmpty(host) ? ToolName : host!;
    }

    /// <inheritdoc/>
    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        builder.AppendSwitch("exec");
        builder.AppendFileNameIfNotNull(WorkerAssembly);
        return builder.ToString();
    }

    /// <summary>One argument per line (the worker reads lines), so no path ever needs quoting.</summary>
    protected override string GenerateResponseFileCommands()
    {
        var lines = new StringBuilder();
        // Before the command: the worker must choose its ONNX Runtime before it loads one.
        if (OnnxRuntimeNative.Trim().Length > 0) Line(lines, "--onnxruntime-native", Path.GetFullPath(OnnxRuntimeNative.Trim()));
        lines.Append("build\n");
        if (Models.Length > 0) AppendCacheSettings(lines);
        if (ProjectReport.Length > 0)
        {
            Line(lines, "--project-report", ProjectReport);
            foreach (var report in ModelReports) Line(lines, "--model-report", report.ItemSpec);
        }
        foreach (var model in Models)
        {
            Line(lines, "--model", model.GetMetadata("FullPath"));
            Line(lines, "--output", model.GetMetadata("OutputPath"));
            Line(lines, "--report", model.GetMetadata("ReportPath"));
            Line(lines, "--markdown-report", model.GetMetadata("MarkdownReportPath"));
            Line(lines, "--html-report", model.GetMetadata("HtmlReportPath"));
            Line(lines, "--project", ProjectFile);
            if (DistillerPath.Length > 0) Line(lines, "--distiller", DistillerPath);
            if (DistillerNativePath.Length > 0) Line(lines, "--distiller-native", DistillerNativePath);
            foreach (var option in ModelMetadata.EngineOptions)
            {
                string value = model.GetMetadata(option.Metadata).Trim();
                if (value.Length > 0 && option.Kind == ModelOptionKind.Path)
                {
                    value = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ProjectFile)!, value));
                }
                if (value.Length > 0) Line(lines, option.Option, value);
            }
            lines.Append("--end\n");
        }
        return lines.ToString();
    }

    /// <summary>
    /// The cache settings, before everything else. Relative folders are the project's (as every
    /// path in a project file is); the worker reads secrets from the environment variables named
    /// here, which it inherits, so no secret is ever written to the response file.
    /// </summary>
    private void AppendCacheSettings(StringBuilder lines)
    {
        string projectDirectory = Path.GetDirectoryName(ProjectFile)!;
        Line(lines, "--cache-project", ProjectFile);
        foreach (var (option, value, isFolder) in new[]
        {
            ("--cache", Cache, false),
            ("--cache-size", CacheSize, false),
            ("--local-cache-dir", LocalCacheDir, true),
            ("--cache-dir", CacheDir, true),
            ("--remote-cache", RemoteCache, false),
            ("--remote-cache-mode", RemoteCacheMode, false),
            ("--remote-cache-token-variable", RemoteCacheTokenVariable, false),
            ("--cache-signing-key-variable", CacheSigningKeyVariable, false),
            ("--remote-cache-timeout", RemoteCacheTimeout, false),
        })
        {
            string text = value.Trim();
            if (text.Length == 0) continue;
            Line(lines, option, isFolder ? Path.GetFullPath(Path.Combine(projectDirectory, text)) : text);
        }
    }

    private static void Line(StringBuilder lines, string option, string value)
        => lines.Append(option).Append('\n').Append(value).Append('\n');

    /// <inheritdoc/>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        // Details (indented) at low importance; progress of long work at normal importance, shown
        // from -v:n up; summary lines at the importance the task was given (high).
        var importance = singleLine.StartsWith("  ", StringComparison.Ordinal) ? MessageImportance.Low
            : singleLine.StartsWith("progress: ", StringComparison.Ordinal) ? MessageImportance.Normal
            : messageImportance;
        base.LogEventsFromTextOutput(singleLine, importance);
    }

    /// <inheritdoc/>
    protected override bool HandleTaskExecutionErrors()
    {
        // The worker already reported what went wrong with MOPT codes; don't add MSB6006 on top.
        return Log.HasLoggedErrors ? false : base.HandleTaskExecutionErrors();
    }

    /// <inheritdoc/>
    protected override bool ValidateParameters()
    {
        if (!File.Exists(WorkerAssembly))
        {
            Log.LogError(null, "MOPT0051", null, ProjectFile, 0, 0, 0, 0,
                "The ModelOpt worker '{0}' does not exist. Restore the ModelOpt.Build package again, or fix ModelOptToolPath.", WorkerAssembly);
            return false;
        }
        return base.ValidateParameters();
    }
}
