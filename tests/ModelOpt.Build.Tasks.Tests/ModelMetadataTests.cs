using System.Xml.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelOpt.Engine.Options;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// The tasks' copy of the option list (<see cref="ModelMetadata"/>) and the package's props
/// defaults, checked against the engine's <see cref="OptionTable"/>, where every option is declared once.
/// </summary>
public sealed class ModelMetadataTests
{
    private static readonly XDocument Props = XDocument.Load(Path.Combine(TestData.RepositoryRoot, "src", "ModelOpt.Build.Tasks", "build", "ModelOpt.Build.props"));

    [Fact]
    public void The_tasks_pass_every_engine_option_in_the_same_order_and_kind()
    {
        Assert.Equal(
            OptionTable.All.Select(d => $"{d.Metadata} --{d.Option} {d.Kind} [{string.Join(",", d.Values)}]"),
            ModelMetadata.EngineOptions.Select(o => $"{o.Metadata} {o.Option} {o.Kind} [{string.Join(",", o.Values)}]"));
    }

    [Fact]
    public void The_tasks_normalize_values_as_the_engine_does()
    {
        var samples = new Dictionary<OptionKind, string[]>
        {
            [OptionKind.Enum] = ["static", " STRUCTURED ", "cuda", "brotli", "l2", "int8", "warning"],
            [OptionKind.Bool] = ["True", "FALSE", " true "],
            [OptionKind.Number] = ["0.50", "64", "1e-1", "32.0"],
            [OptionKind.Path] = [" data/calibration "],
            [OptionKind.List] = [" a ; b;;c "],
            [OptionKind.Shapes] = ["y=1,2; x = 1 , 3"],
            [OptionKind.Size] = [" 224 ", "320X48", "64x 32"],
            [OptionKind.Numbers] = ["0.485, 0.456,0.406", " 127.5 ", "1e0"],
        };
        foreach (var definition in OptionTable.All)
        {
            var option = ModelMetadata.EngineOptions.Single(o => o.Metadata == definition.Metadata);
            foreach (string text in samples[definition.Kind].Where(t => definition.Kind != OptionKind.Enum || definition.Values.Contains(t.Trim(), StringComparer.OrdinalIgnoreCase)))
            {
                if (definition.Kind == OptionKind.Number && definition.Normalize(text) == text.Trim()) continue; // out of this option's range
                Assert.Equal(definition.Normalize(text), option.Normalize(text));
            }
        }
    }

    [Fact]
    public void The_props_defaults_are_the_engine_defaults()
    {
        var definitions = Props.Descendants("ItemDefinitionGroup").Elements("OptimizeModel").Elements()
            .Where(e => e.Name.LocalName != "Embed").ToArray();
        Assert.NotEmpty(definitions);
        foreach (var element in definitions)
        {
            var definition = Assert.Single(OptionTable.All, d => d.Metadata == element.Name.LocalName);
            string value = element.Value.Trim();
            if (value.StartsWith("$(", StringComparison.Ordinal))
            {
                // A project-wide default: it must be the option's own property, whose default is the engine's.
                Assert.Equal($"$({definition.ProjectProperty})", value);
                value = ProjectDefault(definition.ProjectProperty!);
            }
            Assert.Equal(definition.Default, definition.Normalize(value));
        }
        foreach (var definition in OptionTable.All.Where(d => d.ProjectProperty is not null))
        {
            // Every project-wide option reaches items through the item definition, so it is in their options hash.
            Assert.Contains(definitions, e => e.Name.LocalName == definition.Metadata && e.Value == $"$({definition.ProjectProperty})");
        }
    }

    [Fact]
    public void Spellings_the_worker_treats_alike_give_the_same_output_name()
    {
        string a = PlannedOutput(("Quantize", "Static"), ("PerChannel", "true"), ("Sparsity", "0.5"), ("ExcludeNodes", "a;b"));
        string b = PlannedOutput(("Quantize", "static"), ("PerChannel", "True"), ("Sparsity", "0.50"), ("ExcludeNodes", " a ; b "));
        Assert.Equal(a, b);
        Assert.NotEqual(a, PlannedOutput(("Quantize", "Dynamic"), ("PerChannel", "true"), ("Sparsity", "0.5"), ("ExcludeNodes", "a;b")));
    }

    [Fact]
    public void The_execution_provider_is_part_of_the_output_name()
    {
        Assert.NotEqual(PlannedOutput(("ExecutionProvider", "Auto")), PlannedOutput(("ExecutionProvider", "Cpu")));
        Assert.NotEqual(PlannedOutput(("TargetExecutionProvider", "Cpu")), PlannedOutput(("TargetExecutionProvider", "Cuda")));
    }

    /// <summary>With the GPU runtime handed to the worker, Auto and Cuda may calibrate on the GPU: another output.</summary>
    [Fact]
    public void The_onnxruntime_native_folder_is_part_of_the_output_name()
    {
        Assert.NotEqual(PlannedOutput(("ExecutionProvider", "Auto")), PlannedOutput("/opt/ort-gpu/runtimes/linux-x64/native", ("ExecutionProvider", "Auto")));
    }

    private static string ProjectDefault(string property)
    {
        var element = Assert.Single(Props.Descendants("PropertyGroup").Elements(), e => e.Name.LocalName == property);
        return element.Value.Trim();
    }

    private static string PlannedOutput(params (string Name, string Value)[] metadata) => PlannedOutput("", metadata);

    private static string PlannedOutput(string onnxRuntimeNative, params (string Name, string Value)[] metadata)
    {
        using var folder = new TempFolder();
        var item = new TaskItem("model.onnx");
        foreach (var (name, value) in metadata) item.SetMetadata(name, value);
        var task = new PlanModelOutputs
        {
            BuildEngine = new SilentBuildEngine(),
            Models = [item],
            ProjectDirectory = folder.Path,
            IntermediateDirectory = folder.File("obj"),
            ToolVersion = "test",
            OnnxRuntimeNative = onnxRuntimeNative,
        };
        Assert.True(task.Execute());
        return Path.GetFileName(task.PlannedModels.Single().GetMetadata("OutputPath"));
    }
}
