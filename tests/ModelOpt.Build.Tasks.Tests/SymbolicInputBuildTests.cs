using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>A zero-config build of a model with symbolic input dimensions: it builds, and the summary line says which shape validation ran on.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class SymbolicInputBuildTests(PackageFixture package)
{
    [Fact]
    public void A_dropped_in_model_over_N_3_H_W_builds_and_names_the_probed_shape()
    {
        var lib = package.CreateConsumer("symbolic");
        using (var model = SymbolicModels.Classifier()) lib.WriteBytes("Models/classifier.onnx", OnnxModelWriter.ToBytes(model));
        lib.WriteProject("");

        var run = lib.Build().AssertSucceeded();

        Assert.Empty(run.Result.Errors);
        Assert.Equal(["Models/classifier.onnx"], run.Log.WorkerModels);
        Assert.Matches(@"classifier\.onnx: .*gate passed.*, inputs x=1,3,224,224 \(probed\)", run.Result.Output);
        Assert.Equal(["Consumer.Models.classifier.onnx"], lib.Resources().Keys);
    }
}
