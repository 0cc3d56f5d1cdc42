using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Ir;

/// <summary>Producer and use bookkeeping: passes rely on it to rewrite graphs without rescanning them.</summary>
public sealed class ValueUseTests
{
    [Fact]
    public void NodesRegisterAsUsesOfTheirInputsAndProducersOfTheirOutputs()
    {
        var x = new Value("x");
        var square = new Node("Mul", [x, x], ["x2"], name: "square");
        var y = square.Outputs[0]!;

        Assert.Equal([new ValueUse(square, 0), new ValueUse(square, 1)], x.Uses);
        Assert.Same(square, y.Producer);
        Assert.Equal(0, y.ProducerOutputIndex);
        Assert.Null(x.Producer);
        Assert.Empty(y.Uses);
    }

    [Fact]
    public void OmittedOptionalInputsAndOutputsAreNullAndTracked()
    {
        var x = new Value("x");
        var node = new Node("Clip", [x, null, null], [], name: "clip");
        node.AddOutput(null);
        var second = new Value("second");
        node.AddOutput(second);

        Assert.Equal([x, null, null], node.Inputs);
        Assert.Null(node.Outputs[0]);
        Assert.Equal(1, second.ProducerOutputIndex);
        node.SetInput(2, x);
        Assert.Equal([new ValueUse(node, 0), new ValueUse(node, 2)], x.Uses);
    }

    [Fact]
    public void SetInputMovesTheUseFromTheOldValueToTheNewOne()
    {
        var a = new Value("a");
        var b = new Value("b");
        var node = new Node("Relu", [a], ["y"], name: "relu");

        node.SetInput(0, b);
        Assert.Empty(a.Uses);
        Assert.Equal([new ValueUse(node, 0)], b.Uses);
        node.SetInput(0, null);
        Assert.Empty(b.Uses);
        Assert.Null(node.Inputs[0]);
    }

    [Fact]
    public void ReplaceAllUsesWithRewiresEveryReaderButNotTheProducer()
    {
        var graph = new Graph("g");
        var x = new Value("x");
        graph.Inputs.Add(x);
        var relu = new Node("Relu", [x], ["r"], name: "relu");
        var r = relu.Outputs[0]!;
        var add = new Node("Add", [r, r], ["s"], name: "add");
        var neg = new Node("Neg", [r], ["n"], name: "neg");
        foreach (var node in new[] { relu, add, neg }) graph.AddNode(node);

        r.ReplaceAllUsesWith(x);

        Assert.Empty(r.Uses);
        Assert.Same(relu, r.Producer);
        Assert.Equal([x, x], add.Inputs);
        Assert.Same(x, neg.Inputs[0]);
        Assert.Equal(
            [new ValueUse(relu, 0), new ValueUse(add, 0), new ValueUse(add, 1), new ValueUse(neg, 0)],
            x.Uses);
    }

    [Fact]
    public void RemoveNodeDisconnectsItsInputsAndLeavesTheGraph()
    {
        var graph = new Graph("g");
        var x = new Value("x");
        var relu = new Node("Relu", [x], ["r"], name: "relu");
        var neg = new Node("Neg", [x], ["n"], name: "neg");
        graph.AddNode(relu);
        graph.AddNode(neg);

        graph.RemoveNode(relu);

        Assert.Equal([neg], graph.Nodes);
        Assert.Null(relu.Graph);
        Assert.Equal([new ValueUse(neg, 0)], x.Uses);
        var second = Assert.Throws<InvalidOperationException>(() => graph.RemoveNode(relu));
        Assert.Contains("node 'relu' (Relu)", second.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARemovedNodeIsNotWrittenAndItsReplacementIs()
    {
        using var model = Serialization.SampleModels.Dense();
        var graph = model.Graph;
        var add = graph.Nodes.Single(n => n.Name == "add");
        var mul = graph.Nodes.Single(n => n.Name == "mul");
        // Drop the bias: readers of Add's output read MatMul's output instead.
        add.Outputs[0]!.ReplaceAllUsesWith(add.Inputs[0]!);
        graph.RemoveNode(add);

        var proto = OnnxModelWriter.ToProto(model);
        Assert.Equal(["scale", "matmul", "mul"], proto.Graph.Node.Select(n => n.Name));
        Assert.Equal(["XW", "C"], proto.Graph.Node.Single(n => n.Name == "mul").Input);
        Assert.Same(graph.Nodes.Single(n => n.Name == "matmul").Outputs[0], mul.Inputs[0]);
        Assert.DoesNotContain(graph.Initializers.Single(v => v.Name == "B").Uses, u => u.Node == add);
    }

    [Fact]
    public void InsertNodeKeepsTheGivenOrder()
    {
        var graph = new Graph("g");
        var x = new Value("x");
        var last = new Node("Neg", [x], ["n"], name: "last");
        var first = new Node("Relu", [x], ["r"], name: "first");
        graph.AddNode(last);
        graph.InsertNode(0, first);
        Assert.Equal([first, last], graph.Nodes);
        Assert.Same(graph, first.Graph);
    }

    [Fact]
    public void RenamingAValueRenamesItsInitializerTensor()
    {
        var graph = new Graph("g");
        var w = graph.AddInitializer("w", Tensor.FromFloats("ignored", [1], [1f]));
        Assert.Equal("w", w.Initializer!.Name);
        w.Name = "weight";
        Assert.Equal("weight", w.Initializer.Name);
    }

    [Fact]
    public void LoadedModelsHaveConsistentBookkeeping()
    {
        foreach (string relative in new[] { "pytorch-converted/test_Conv2d", "node/test_loop11", "node/test_if", "simple/test_expand_shape_model1" })
        {
            using var model = OnnxModelReader.Load(Path.Combine(TestData.OnnxBackendSuite, relative, "model.onnx"));
            foreach (var node in model.Graph.AllNodes())
            {
                for (int i = 0; i < node.Inputs.Count; i++)
                {
                    if (node.Inputs[i] is { } input) Assert.Contains(new ValueUse(node, i), input.Uses);
                }
                for (int i = 0; i < node.Outputs.Count; i++)
                {
                    if (node.Outputs[i] is not { } output) continue;
                    Assert.Same(node, output.Producer);
                    Assert.Equal(i, output.ProducerOutputIndex);
                    Assert.All(output.Uses, use => Assert.Same(use.Node.Inputs[use.InputIndex], output));
                }
            }
        }
    }
}
