using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace ModelOpt.Build.Tasks;

/// <summary>
/// Decides, without touching any model, where each <c>OptimizeModel</c> item's outputs go:
/// <c>modelopt/&lt;name&gt;.&lt;hash&gt;.onnx</c>, where the hash covers the item's path, every engine
/// option and the tool version, so that changing one item's metadata re-runs exactly that
/// item. Also assigns the manifest resource name and the accessor class name.
/// </summary>
public sealed class PlanModelOutputs : Task
{
    /// <summary>The <c>OptimizeModel</c> items.</summary>
    [Required]
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>The project's folder (item paths are relative to it).</summary>
    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>Full path of <c>$(IntermediateOutputPath)modelopt/</c>.</summary>
    [Required]
    public string IntermediateDirectory { get; set; } = "";

    /// <summary>The project's root namespace, the prefix of default manifest resource names.</summary>
    public string RootNamespace { get; set; } = "";

    /// <summary>The ModelOpt version (tasks and worker ship together), part of every hash so that a new engine re-optimizes.</summary>
    public string ToolVersion { get; set; }
        = typeof(PlanModelOutputs).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>
    /// The ONNX Runtime native folder handed to the worker (<c>ModelOptOnnxRuntimeNative</c>), or
    /// empty. It is part of every hash: with the GPU runtime, <c>Auto</c> and <c>Cuda</c> can run
    /// calibration on the GPU, whose arithmetic can move calibration ranges.
    /// </summary>
    public string OnnxRuntimeNative { get; set; } = "";

    /// <summary>The items with <c>OutputPath</c>, <c>ReportPath</c>, <c>MarkdownReportPath</c>, <c>HtmlReportPath</c>, <c>LogicalName</c>, <c>AccessorName</c>, <c>OptionsHash</c> and <c>RelativePath</c> set.</summary>
    [Output]
    public ITaskItem[] PlannedModels { get; set; } = [];

    /// <inheritdoc/>
    public override bool Execute()
    {
        var planned = new List<ITaskItem>();
        var accessorNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in Models.OrderBy(m => RelativePath(m), StringComparer.Ordinal))
        {
            string relativePath = RelativePath(model);
            string hash = OptionsHash(model, relativePath);
            string name = Path.GetFileNameWithoutExtension(relativePath);
            bool brotli = string.Equals(model.GetMetadata("ResourceCompression"), "Brotli", StringComparison.OrdinalIgnoreCase);

            var item = new TaskItem(model);
            item.SetMetadata("RelativePath", relativePath);
            item.SetMetadata("OptionsHash", hash);
            item.SetMetadata("OutputPath", Path.Combine(IntermediateDirectory, $"{name}.{hash}.onnx{(brotli ? ".br" : "")}"));
            item.SetMetadata("ReportPath", Path.Combine(IntermediateDirectory, $"{name}.{hash}.report.json"));
            item.SetMetadata("MarkdownReportPath", Path.Combine(IntermediateDirectory, $"{name}.{hash}.report.md"));
            item.SetMetadata("HtmlReportPath", Path.Combine(IntermediateDirectory, $"{name}.{hash}.report.html"));
            if (string.IsNullOrEmpty(model.GetMetadata("LogicalName")))
            {
                item.SetMetadata("LogicalName", DefaultResourceName(relativePath));
            }
            item.SetMetadata("AccessorName", UniqueAccessorName(relativePath, accessorNames));
            planned.Add(item);
        }
        ReportDuplicateResourceNames(planned);
        PlannedModels = planned.ToArray();
        return !Log.HasLoggedErrors;
    }

    /// <summary>
    /// The item's path as names are made from it: relative to the project; for a model outside
    /// the project folder its <c>Link</c> (the SDK's convention for such items), else its path
    /// below the folder it shares with the project (<c>../models/a/model.onnx</c> is
    /// <c>models/a/model.onnx</c>), so that two such models with one file name stay apart.
    /// </summary>
    private string RelativePath(ITaskItem model)
    {
        string full = Path.GetFullPath(Path.Combine(ProjectDirectory, model.ItemSpec));
        string root = Path.GetFullPath(ProjectDirectory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (full.StartsWith(root, StringComparison.OrdinalIgnoreCase)) return full.Substring(root.Length).Replace('\\', '/');
        string link = model.GetMetadata("Link").Trim();
        if (link.Length > 0) return link.Replace('\\', '/').TrimStart('/');
        char[] separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];
        string[] modelParts = full.Split(separators, StringSplitOptions.RemoveEmptyEntries);
        string[] rootParts = root.Split(separators, StringSplitOptions.RemoveEmptyEntries);
        int common = 0;
        while (common < Math.Min(modelParts.Length - 1, rootParts.Length) && string.Equals(modelParts[common], rootParts[common], StringComparison.OrdinalIgnoreCase)) common++;
        return string.Join("/", modelParts.Skip(common));
    }

    // Two embedded models under one manifest resource name would fail the compiler with CS1508
    // only after all the optimization work; say it now, naming both items and the fix.
    private void ReportDuplicateResourceNames(List<ITaskItem> planned)
    {
        foreach (var group in planned.Where(m => !string.Equals(m.GetMetadata("Embed"), "false", StringComparison.OrdinalIgnoreCase))
                     .GroupBy(m => m.GetMetadata("LogicalName"), StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            Log.LogError(null, "MOPT0052", null, BuildEngine?.ProjectFileOfTaskNode ?? "", 0, 0, 0, 0,
                "The models {0} would be embedded under the same resource name '{1}'. Give each OptimizeModel item its own LogicalName (or Link).",
                string.Join(", ", group.Select(m => $"'{m.ItemSpec}'")), group.Key);
        }
    }

    private string OptionsHash(ITaskItem model, string relativePath)
    {
        var text = new StringBuilder();
        text.Append("tool=").Append(ToolVersion).Append('\n');
        text.Append("path=").Append(relativePath).Append('\n');
        if (OnnxRuntimeNative.Trim().Length > 0) text.Append("onnxruntime-native=").Append(Path.GetFullPath(OnnxRuntimeNative.Trim())).Append('\n');
        foreach (var option in ModelMetadata.EngineOptions)
        {
            text.Append(option.Metadata).Append('=').Append(option.Normalize(model.GetMetadata(option.Metadata))).Append('\n');
        }
        foreach (var file in DataFiles(model))
        {
            text.Append("data=").Append(file.FullName).Append(':').Append(file.Length.ToString(CultureInfo.InvariantCulture))
                .Append(':').Append(file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        using var sha = SHA256.Create();
        byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString()));
        return string.Concat(digest.Take(6).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Files besides the model that change its output: its external data (by convention named
    /// after the model, e.g. <c>model.onnx.data</c>, <c>model_data.bin</c>) and the calibration,
    /// validation and training folders, and the files that Path options name (Vocabulary,
    /// Preprocessor). Their sizes and times go into the hash, so editing one
    /// re-optimizes the model although the model file itself did not change.
    /// </summary>
    private IEnumerable<FileInfo> DataFiles(ITaskItem model)
    {
        var files = new List<FileInfo>();
        var modelFile = new FileInfo(Path.GetFullPath(Path.Combine(ProjectDirectory, model.ItemSpec)));
        if (modelFile.Directory is { Exists: true } folder)
        {
            string stem = Path.GetFileNameWithoutExtension(modelFile.Name);
            files.AddRange(folder.EnumerateFiles(stem + "*")
                .Where(f => !string.Equals(f.Extension, ".onnx", StringComparison.OrdinalIgnoreCase)));
        }
        foreach (var option in ModelMetadata.EngineOptions.Where(o => o.Kind == ModelOptionKind.Path))
        {
            string value = model.GetMetadata(option.Metadata).Trim();
            if (value.Length == 0) continue;
            // A Path option names a folder (the data folders) or a file (Vocabulary, Preprocessor).
            string full = Path.GetFullPath(Path.Combine(ProjectDirectory, value));
            if (File.Exists(full)) files.Add(new FileInfo(full));
            else if (Directory.Exists(full)) files.AddRange(new DirectoryInfo(full).EnumerateFiles("*", SearchOption.AllDirectories));
        }
        return files.OrderBy(f => f.FullName, StringComparer.Ordinal);
    }

    // The name the SDK would give the raw file as an EmbeddedResource: root namespace, then
    // the folders and the file name joined with dots.
    private string DefaultResourceName(string relativePath)
    {
        string dotted = relativePath.Replace('/', '.');
        return string.IsNullOrEmpty(RootNamespace) ? dotted : RootNamespace + "." + dotted;
    }

    private static string UniqueAccessorName(string relativePath, HashSet<string> taken)
    {
        string baseName = Identifier(Path.GetFileNameWithoutExtension(relativePath));
        string candidate = baseName;
        if (!taken.Add(candidate))
        {
            // Same file name in another folder: qualify with the folders, then number as a last resort.
            candidate = Identifier(Path.ChangeExtension(relativePath, null)!.Replace('/', '_'));
            for (int i = 2; !taken.Add(candidate); i++) candidate = baseName + i.ToString(CultureInfo.InvariantCulture);
        }
        return candidate;
    }

    /// <summary>A PascalCase C# identifier from a file name: <c>resnet18-v2.int8</c> becomes <c>Resnet18V2Int8</c>.</summary>
    internal static string Identifier(string name)
    {
        var result = new StringBuilder();
        bool upperNext = true;
        foreach (char c in name)
        {
            if (char.IsLetterOrDigit(c))
            {
                result.Append(upperNext ? char.ToUpperInvariant(c) : c);
                upperNext = false;
            }
            else if (c == '_')
            {
                result.Append('_');
                upperNext = true;
            }
            else
            {
                upperNext = true;
            }
        }
        if (result.Length == 0 || char.IsDigit(result[0])) result.Insert(0, "Model");
        return result.ToString();
    }
}
