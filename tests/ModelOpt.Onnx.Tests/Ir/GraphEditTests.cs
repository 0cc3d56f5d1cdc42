using ModelOpt.Onnx.Ir;

namespace ModelOpt.Onnx.Tests.Ir;

/// <summary>
/// The graph's node order and value lists: edits in the middle of a long graph cost O(1), so the
/// order is kept in a linked list with a positional view rebuilt lazily, and removals from the
/// value lists are applied in one sweep. These tests pin the behaviour a List gave before.
/// </summary>
public sealed class GraphEditTests
{
    [Fact]
    public void InsertBeforeAfterAndRemoveKeepTheOrderAndThePositions()
    {
        var graph = new Graph("g");
        var x = new Value("x");
        var a = new Node("Relu", [x], ["a"], "a");
        var c = new Node("Relu", [a.Outputs[0]], ["c"], "c");
        graph.AddNode(a);
        graph.AddNode(c);
        var b = new Node("Identity", [a.Outputs[0]], ["b"], "b");
        graph.InsertBefore(c, b);
        var d = new Node("Identity", [c.Outputs[0]], ["d"], "d");
        graph.InsertAfter(c, d);
        var first = new Node("Identity", [x], ["first"], "first");
        graph.InsertNode(0, first);

        Assert.Equal(["first", "a", "b", "c", "d"], graph.Nodes.Select(n => n.Name));
        Assert.Equal(3, graph.IndexOf(c));
        Assert.Same(d, graph.Nodes[4]);

        graph.RemoveNode(b);
        graph.RemoveNode(d);
        Assert.Equal(["first", "a", "c"], graph.Nodes.Select(n => n.Name));
        Assert.Equal(2, graph.IndexOf(c));
        Assert.Null(b.Graph);
        Assert.DoesNotContain(new ValueUse(b, 0), a.Outputs[0]!.Uses);
        Assert.Equal(3, graph.Nodes.Count);
    }

    [Fact]
    public void NodesIsALiveViewAndAppendingWhileWalkingItThrowsAsAListDoes()
    {
        var graph = new Graph("g");
        var nodes = graph.Nodes;
        graph.AddNode(new Node("Relu", [new Value("x")], ["y"], "relu"));
        Assert.Single(nodes);
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var node in graph.Nodes) graph.AddNode(new Node("Relu", [node.Outputs[0]], [node.Name + "_next"], node.Name + "_next"));
        });
    }

    [Fact]
    public void ANodeCannotSitInTwoGraphsOrBeRemovedFromOneItIsNotIn()
    {
        var g = new Graph("g");
        var h = new Graph("h");
        var node = new Node("Relu", [new Value("x")], ["y"], "relu");
        g.AddNode(node);
        Assert.Throws<InvalidOperationException>(() => h.AddNode(node));
        Assert.Throws<InvalidOperationException>(() => h.RemoveNode(node));
        Assert.Throws<InvalidOperationException>(() => h.InsertBefore(node, new Node("Relu", [], ["z"], "other")));
    }

    [Fact]
    public void ValueListsRemoveTheFirstOccurrenceAndAnswerMembershipAtOnce()
    {
        var graph = new Graph("g");
        var a = new Value("a");
        var b = new Value("b");
        graph.Outputs.AddRange([a, b, a]);
        Assert.True(a.IsGraphOutput);

        Assert.True(graph.Outputs.Remove(a));
        Assert.Equal(2, graph.Outputs.Count);
        Assert.Contains(a, graph.Outputs);
        Assert.Equal([b, a], graph.Outputs);
        Assert.True(graph.Outputs.Remove(a));
        Assert.False(graph.Outputs.Remove(a));
        Assert.False(a.IsGraphOutput);
        Assert.Equal([b], graph.Outputs);

        graph.Inputs.Add(a);
        graph.Inputs.Insert(0, b);
        Assert.True(a.IsGraphInput);
        Assert.Equal(1, graph.Inputs.IndexOf(a));
        Assert.Equal(1, graph.Inputs.RemoveAll(v => v == a));
        Assert.False(a.IsGraphInput);
        graph.Inputs[0] = a;
        Assert.True(a.IsGraphInput);
        Assert.False(b.IsGraphInput);
        graph.Inputs.Clear();
        Assert.False(a.IsGraphInput);
    }

    [Fact]
    public void RemovingManyValuesOneByOneKeepsTheRestInOrder()
    {
        var graph = new Graph("g");
        var values = Enumerable.Range(0, 1000).Select(i => new Value("v" + i)).ToArray();
        graph.Initializers.AddRange(values);
        foreach (var value in values.Where((_, i) => i % 3 != 0)) graph.Initializers.Remove(value);
        Assert.Equal(values.Where((_, i) => i % 3 == 0), graph.Initializers);
    }
}
