namespace ModelOpt.Build.Tests;

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
        lib.WriteProject($"""
            <ItemGroup>
              <OptimizeModel Include="{System.Security.SecurityElement.Escape(TestData.ResNet18Path)}" LogicalName="resnet18.onnx" />
            </ItemGroup>
            """);

        lib.Build().AssertSucceeded();

        byte[] original = File.ReadAllBytes(TestData.ResNet18Path);
        byte[] embedded = Assert.Single(lib.Resources(), r => r.Key == "resnet18.onnx").Value;
        OrtModel.AssertShrunk(original, embedded);
        OrtModel.AssertAgrees(original, embedded);
    }
}
