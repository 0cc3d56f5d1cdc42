using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// A zero-config build of models with symbolic input dimensions — built in code (<c>[N,3,H,W]</c>,
/// <c>[N,3,48,W]</c>) and a real sentence transformer nobody here wrote (arctic-embed-xs,
/// <c>[batch_size, sequence_length]</c> int64): it builds, and each summary line says which
/// shape validation ran on.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SymbolicInputBuildTests(PackageFixture package)
{
    [Fact]
    public void Dropped_in_models_with_symbolic_dimensions_build_and_name_the_probed_shapes()
    {
        var lib = package.CreateConsumer("symbolic");
        using (var model = SymbolicModels.Classifier()) lib.WriteBytes("Models/classifier.onnx", OnnxModelWriter.ToBytes(model));
        using (var model = SymbolicModels.Recognizer()) lib.WriteBytes("Models/recognizer.onnx", OnnxModelWriter.ToBytes(model));
        lib.WriteBytes("Models/arctic.onnx", File.ReadAllBytes(ArcticXs.ModelPath));
        lib.WriteProject("");

        var run = lib.Build().AssertSucceeded();

        Assert.Empty(run.Result.Errors);
        Assert.Equal(["Models/arctic.onnx", "Models/classifier.onnx", "Models/recognizer.onnx"], run.Log.WorkerModels.Order(StringComparer.Ordinal));
        Assert.Matches(@"classifier\.onnx: .*gate passed.*, inputs x=1,3,224,224 \(probed\)", run.Result.Output);
        Assert.Matches(@"recognizer\.onnx: .*gate passed.*, inputs x=1,3,48,\d+ \(probed\)", run.Result.Output);
        Assert.Matches(@"arctic\.onnx: .*gate passed.*, inputs .*input_ids=1,128 \(probed\)", run.Result.Output);
        Assert.Equal(["Consumer.Models.arctic.onnx", "Consumer.Models.classifier.onnx", "Consumer.Models.recognizer.onnx"], lib.Resources().Keys.Order(StringComparer.Ordinal));
    }
}
