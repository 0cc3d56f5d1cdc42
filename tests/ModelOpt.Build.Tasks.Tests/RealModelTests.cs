namespace ModelOpt.Build.Tasks.Tests;

/// <summary>
/// The one test with a real pretrained network (ResNet18, 64 MB, opset 8, Conv + BatchNormalization),
/// referenced where NuGet put it, outside the project's folder. It is the slowest test, so it stays
/// the only one.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RealModelTests(PackageFixture package)
{
    [Fact]
    public void ResNet18IsEmbeddedQuantizedAndAnswersLikeTheOriginal()
    {
        var lib = package.CreateConsumer("resnet18");
        string path = System.Security.SecurityElement.Escape(TestData.ResNet18Path);
        lib.WriteProject($"""
            <ItemGroup>
              <OptimizeModel Include="{path}" LogicalName="resnet18.onnx" />
              <OptimizeModel Include="{path}" LogicalName="resnet18-pruned.onnx" Prune="Structured" Sparsity="0.5" PruneOutputChannels="true" MinCosineSimilarity="0" />
            </ItemGroup>
            """);

        var run = lib.Build().AssertSucceeded();

        byte[] original = File.ReadAllBytes(TestData.ResNet18Path);
        byte[] embedded = Assert.Single(lib.Resources(), r => r.Key == "resnet18.onnx").Value;
        OrtModel.AssertShrunk(original, embedded);
        // ResNet18 takes mean-subtracted 0–255 pixels; its data-free Static is calibrated for that range.
        OrtModel.AssertAgrees(original, embedded, inputScale: 128);

        // Pruned to a quarter of the channels' cost, then quantized: about 1/16 of the bytes, same output shape.
        byte[] pruned = Assert.Single(lib.Resources(), r => r.Key == "resnet18-pruned.onnx").Value;
        Assert.True(pruned.Length <= 0.07 * original.Length, $"{pruned.Length} of {original.Length} bytes");
        Assert.Equal(OrtModel.Run(original).Length, OrtModel.Run(pruned).Length);
        Assert.Contains("pruned Structured (50% of channels; MACs 26%, parameters 25% of original), Recommended: Static", run.Result.Output, StringComparison.Ordinal);
        // The gate checked the quantized model; the pruned one has it switched off (no fine-tuning yet).
        // Recommended (the default) quantizes a convolutional model with data-free Static.
        Assert.Matches(@"ResNet18\.onnx: 63\.7 MB -> 16\.0 MB \(25%\), Recommended: Static \([0-9]+ of [0-9]+ nodes quantized\), worst cosine 0\.99[0-9]+, gate passed, latency x[0-9.]+, ran on CPU, computed in [0-9.]+ s; report: .+\.report\.html", run.Result.Output);
        Assert.Contains("(gate off)", run.Result.Output, StringComparison.Ordinal);
    }
}
