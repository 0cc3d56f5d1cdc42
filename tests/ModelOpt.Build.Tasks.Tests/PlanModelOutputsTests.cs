using Microsoft.Build.Utilities;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>The names <see cref="PlanModelOutputs"/> gives models outside the project folder.</summary>
public sealed class PlanModelOutputsTests
{
    [Fact]
    public void Two_models_with_one_file_name_outside_the_project_get_distinct_outputs_and_resources()
    {
        using var folder = new TempFolder();
        string project = Directory.CreateDirectory(folder.File("app")).FullName;
        var planned = Plan(project, new TaskItem("../models/a/model.onnx"), new TaskItem("../models/b/model.onnx"));

        Assert.Equal(["models/a/model.onnx", "models/b/model.onnx"], planned.Select(m => m.GetMetadata("RelativePath")));
        Assert.Equal(["App.models.a.model.onnx", "App.models.b.model.onnx"], planned.Select(m => m.GetMetadata("LogicalName")));
        Assert.NotEqual(planned[0].GetMetadata("OutputPath"), planned[1].GetMetadata("OutputPath"));
        Assert.Equal(2, planned.Select(m => m.GetMetadata("AccessorName")).Distinct().Count());
    }

    [Fact]
    public void A_linked_model_outside_the_project_is_named_after_its_link()
    {
        using var folder = new TempFolder();
        string project = Directory.CreateDirectory(folder.File("app")).FullName;
        var item = new TaskItem("../common/model.onnx");
        item.SetMetadata("Link", "Models/detector.onnx");

        var planned = Plan(project, item);

        Assert.Equal("App.Models.detector.onnx", planned.Single().GetMetadata("LogicalName"));
    }

    [Fact]
    public void One_resource_name_for_two_models_is_an_error_before_any_work()
    {
        using var folder = new TempFolder();
        var a = new TaskItem("a.onnx");
        var b = new TaskItem("b.onnx");
        a.SetMetadata("LogicalName", "model");
        b.SetMetadata("LogicalName", "model");
        var engine = new SilentBuildEngine { ThrowOnError = false };
        var task = new PlanModelOutputs { BuildEngine = engine, Models = [a, b], ProjectDirectory = folder.Path, IntermediateDirectory = folder.File("obj"), ToolVersion = "test" };

        Assert.False(task.Execute());
        var error = Assert.Single(engine.Errors);
        Assert.Equal("MOPT0052", error.Code);
        Assert.Contains("'a.onnx', 'b.onnx'", error.Message, StringComparison.Ordinal);
        Assert.Contains("LogicalName", error.Message, StringComparison.Ordinal);
    }

    private static Microsoft.Build.Framework.ITaskItem[] Plan(string project, params TaskItem[] items)
    {
        var task = new PlanModelOutputs
        {
            BuildEngine = new SilentBuildEngine(),
            Models = items,
            ProjectDirectory = project,
            IntermediateDirectory = Path.Combine(project, "obj"),
            RootNamespace = "App",
            ToolVersion = "test",
        };
        Assert.True(task.Execute());
        return task.PlannedModels;
    }
}
