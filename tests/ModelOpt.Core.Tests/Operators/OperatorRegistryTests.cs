using ModelOpt.Core.Operators;

namespace ModelOpt.Core.Tests.Operators;

public sealed class OperatorRegistryTests
{
    private static readonly Handler Dropout1 = new("Dropout-1");
    private static readonly Handler Dropout10 = new("Dropout-10");
    private static readonly Handler Dropout12 = new("Dropout-12");
    private static readonly Handler Conv = new("Conv");
    private static readonly Handler MatMulNBits = new("MatMulNBits");

    private static readonly OperatorRegistry<Handler> Registry = new(
    [
        new("", "Dropout", 1, Dropout1),
        new("", "Dropout", 12, Dropout12),
        new("", "Dropout", 10, Dropout10),
        new("ai.onnx", "Conv", 1, Conv),
        new("com.microsoft", "MatMulNBits", 1, MatMulNBits),
    ]);

    [Theory]
    [InlineData(1, "Dropout-1")]
    [InlineData(9, "Dropout-1")]
    [InlineData(10, "Dropout-10")]
    [InlineData(11, "Dropout-10")]
    [InlineData(12, "Dropout-12")]
    [InlineData(21, "Dropout-12")]
    public void TheNewestSinceVersionNotAboveTheOpsetIsChosen(long opset, string expected)
    {
        Assert.Equal(expected, Registry.Find("", "Dropout", opset)?.Name);
    }

    [Fact]
    public void AnOpsetOlderThanEveryRegistrationFindsNothing()
    {
        var registry = new OperatorRegistry<Handler>([new("", "Gelu", 20, new Handler("Gelu-20"))]);

        Assert.Null(registry.Find("", "Gelu", 19));
        Assert.Equal("Gelu-20", registry.Find("", "Gelu", 20)?.Name);
    }

    [Fact]
    public void AModelThatDoesNotImportTheDomainGetsTheNewestRegistration()
    {
        Assert.Same(Dropout12, Registry.Find("", "Dropout", opset: null));
    }

    [Fact]
    public void TheEmptyDomainAndAiOnnxAreOneDomain()
    {
        Assert.Same(Conv, Registry.Find("", "Conv", 13));
        Assert.Same(Conv, Registry.Find("ai.onnx", "Conv", 13));
        Assert.Same(Dropout10, Registry.Find("ai.onnx", "Dropout", 10));
    }

    [Fact]
    public void OtherDomainsAreTheirOwn()
    {
        Assert.Same(MatMulNBits, Registry.Find("com.microsoft", "MatMulNBits", 1));
        Assert.Null(Registry.Find("", "MatMulNBits", 21));
        Assert.Null(Registry.Find("com.microsoft", "Conv", 1));
    }

    [Fact]
    public void AMissingOperatorFindsNothing()
    {
        Assert.Null(Registry.Find("", "LSTM", 13));
        // Operator types are case-sensitive in ONNX.
        Assert.Null(Registry.Find("", "conv", 13));
    }

    [Fact]
    public void RegisteringAKeyTwiceIsAnError()
    {
        var error = Assert.Throws<ArgumentException>(() => new OperatorRegistry<Handler>(
            [new("", "Relu", 6, new Handler("a")), new("", "Relu", 14, new Handler("b")), new("", "Relu", 6, new Handler("c"))]));

        Assert.Contains("operator 'Relu' of domain 'ai.onnx' since opset 6 is registered twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDefaultDomainUnderBothNamesIsOneKey()
    {
        Assert.Throws<ArgumentException>(() => new OperatorRegistry<Handler>([new("", "Relu", 1, new Handler("a")), new("ai.onnx", "Relu", 1, new Handler("b"))]));
    }

    [Fact]
    public void ASinceVersionBelowOneIsAnError()
    {
        Assert.Throws<ArgumentException>(() => new OperatorRegistry<Handler>([new("", "Relu", 0, new Handler("a"))]));
    }

    [Fact]
    public void ANodeIsLookedUpAtTheOpsetItsModelImportsForItsDomain()
    {
        var b = new GraphBuilder();
        var dropout = b.Node("Dropout", [b.Input("X", 2, 2)], ["Y"], "drop");
        var contrib = b.Node("MatMulNBits", [b.Input("A", 2, 2)], ["Z"], "nbits");
        contrib.Domain = "com.microsoft";
        var model = b.Output(dropout.Outputs[0]!).Build(opset: 11);

        Assert.Same(Dropout10, Registry.Find(model, dropout));
        // The model does not import com.microsoft: no version, so the newest registration.
        Assert.Same(MatMulNBits, Registry.Find(model, contrib));
        model.SetOpsetVersion("", 13);
        Assert.Same(Dropout12, Registry.Find(model, dropout));
    }

    private sealed record Handler(string Name);
}
