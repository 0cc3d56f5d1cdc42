using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Tests.Gate;

/// <summary>Where the gate's inputs come from, and what a bad folder says.</summary>
public sealed class GateInputsTests
{
    [Fact]
    public void A_missing_CalibrationData_folder_under_Static_is_a_calibration_error_that_does_not_say_leave_it_out()
    {
        using var folder = new TempFolder();
        string model = folder.File("m.onnx");
        var g = new GraphBuilder("m");
        g.Output(g.Op("MatMul", [g.Input("x", 1, 4), g.Weight("w", [4, 4], Enumerable.Range(0, 16).Select(i => i / 16f).ToArray())], "y"));
        using (var built = g.Build(13)) OnnxModelWriter.Save(built, model);
        var options = OptimizationOptions.Parse([KeyValuePair.Create("quantize", "Static"), KeyValuePair.Create("calibration-data", folder.File("missing"))], null, model);

        var error = Assert.Throws<ModelOptException>(() => new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(model, folder.File("out.onnx"), null, null, null, options)));

        Assert.Equal(DiagnosticCode.CalibrationDataMissing, error.Code);
        Assert.DoesNotContain("leave", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(folder.File("out.onnx")));
    }
}
