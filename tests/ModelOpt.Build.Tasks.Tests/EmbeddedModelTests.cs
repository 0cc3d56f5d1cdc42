using System.IO.Compression;
using System.Security.Cryptography;

namespace ModelOpt.Build.Tasks.Tests;

/// <summary>What one build of an app produces: the embedded optimized models and the accessor that reads them.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class EmbeddedModelTests(PackageFixture package)
{
    [Fact]
    public void TheAssemblyEmbedsSmallerOptimizedModelsThatTheAccessorReads()
    {
        var app = package.CreateConsumer("embedded");
        byte[] dense = app.WriteModel("Models/dense.onnx", seed: 1);
        byte[] packed = app.WriteModel("Models/packed.onnx", seed: 2);
        app.WriteProject("""
            <ItemGroup>
              <OptimizeModel Include="Models/dense.onnx" />
              <OptimizeModel Include="Models/packed.onnx" ResourceCompression="Brotli" LogicalName="models/packed" />
            </ItemGroup>
            """, exe: true);
        // Compiled calls of the generated accessor; the app prints what it read.
        app.WriteFile("Program.cs", """
            using System.Security.Cryptography;
            Print(Consumer.OptimizedModels.Dense.ResourceName, Consumer.OptimizedModels.Dense.ReadAllBytes());
            Print(Consumer.OptimizedModels.Packed.ResourceName, Consumer.OptimizedModels.Packed.ReadAllBytes());
            static void Print(string resource, byte[] bytes) => Console.WriteLine($"{resource} {bytes.Length} {Convert.ToHexString(SHA256.HashData(bytes))}");
            """);

        app.Build().AssertSucceeded();

        var resources = app.Resources();
        // Only the optimized models: the raw files are neither embedded nor copied besides.
        Assert.Equal(["Consumer.Models.dense.onnx", "models/packed"], resources.Keys.Order(StringComparer.Ordinal));
        Assert.False(File.Exists(Path.Combine(app.OutputDirectory(), "Models", "dense.onnx")));

        byte[] embeddedDense = resources["Consumer.Models.dense.onnx"];
        var outputs = app.OptimizedOutputs();
        string denseOutput = Assert.Single(outputs.Keys, k => k.StartsWith("dense.", StringComparison.Ordinal) && k.EndsWith(".onnx", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(app.ModelOptDirectory(), denseOutput)), embeddedDense);
        OrtModel.AssertShrunk(dense, embeddedDense);
        OrtModel.AssertAgrees(dense, embeddedDense);

        Assert.Single(outputs.Keys, k => k.StartsWith("packed.", StringComparison.Ordinal) && k.EndsWith(".onnx.br", StringComparison.Ordinal));
        byte[] embeddedPacked = resources["models/packed"];
        byte[] unpacked = Decompress(embeddedPacked);
        Assert.True(embeddedPacked.Length < unpacked.Length, "Brotli should compress the model.");
        OrtModel.AssertAgrees(packed, unpacked);

        string[] printed = app.RunApp().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                $"Consumer.Models.dense.onnx {embeddedDense.Length} {Convert.ToHexString(SHA256.HashData(embeddedDense))}",
                $"models/packed {unpacked.Length} {Convert.ToHexString(SHA256.HashData(unpacked))}",
            ],
            printed);
    }

    private static byte[] Decompress(byte[] brotli)
    {
        using var input = new BrotliStream(new MemoryStream(brotli), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
