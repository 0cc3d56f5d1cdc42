using ModelOpt.Onnx.Protos;

namespace ModelOpt.Onnx.Tests.Conformance;

/// <summary>The suite's failure hints are only useful if they point at the right field.</summary>
public sealed class ProtoDiffTests
{
    [Fact]
    public void EqualMessagesHaveNoDifference()
    {
        var model = SmallModel();
        Assert.Null(ProtoDiff.FirstDifference(model, model.Clone()));
    }

    [Fact]
    public void ChangedAttributeIsNamedWithItsNode()
    {
        var model = SmallModel();
        var changed = model.Clone();
        changed.Graph.Node[0].Attribute[0].Ints[1] = 2;

        Assert.Equal("ModelProto.graph.node[0] (Conv 'conv1').attribute[0] ('strides').ints[1]: 1 became 2", ProtoDiff.FirstDifference(model, changed));
    }

    [Fact]
    public void PresenceCountsThoughGeneratedEqualsIgnoresIt()
    {
        var model = SmallModel();
        var withEmptyRawData = model.Clone();
        withEmptyRawData.Graph.Initializer[0].RawData = Google.Protobuf.ByteString.Empty;

        Assert.Equal(model, withEmptyRawData);
        Assert.Equal("ModelProto.graph.initializer[0] ('w').raw_data: absent became set", ProtoDiff.FirstDifference(model, withEmptyRawData));
    }

    [Fact]
    public void MissingInitializerAndLostPresenceAreReported()
    {
        var model = SmallModel();
        var fewer = model.Clone();
        fewer.Graph.Initializer.Clear();
        var unset = model.Clone();
        unset.Graph.Initializer[0].DocString = "";
        var reset = model.Clone();
        reset.Graph.Initializer[0].ClearName();

        Assert.Equal("ModelProto.graph.initializer: 1 entries became 0", ProtoDiff.FirstDifference(model, fewer));
        Assert.Equal("ModelProto.graph.initializer[0] ('w').doc_string: absent became set", ProtoDiff.FirstDifference(model, unset));
        Assert.Equal("ModelProto.graph.initializer[0] ('w').name: set became absent", ProtoDiff.FirstDifference(model, reset));
    }

    private static ModelProto SmallModel()
    {
        var conv = new NodeProto { Name = "conv1", OpType = "Conv", Input = { "x", "w" }, Output = { "y" } };
        conv.Attribute.Add(new AttributeProto { Name = "strides", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 1, 1 } });
        var weight = new TensorProto { Name = "w", DataType = 1, Dims = { 1, 1, 1, 1 }, FloatData = { 0.5f } };
        var graph = new GraphProto { Name = "g", Node = { conv }, Initializer = { weight } };
        return new ModelProto { IrVersion = 8, Graph = graph };
    }
}
