using ModelOpt.Core.Data;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Core.Pruning.Structured;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Core.Quantization.Static;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Passes;

/// <summary>
/// One meaning of ExcludeNodes/ExcludeOpTypes in every pass: the same filter keeps the same node
/// as it is, named or not, and every report gives the same reason.
/// </summary>
public sealed class NodeFilterTests
{
    private const int Width = 64;

    [Fact]
    public void AnUnnamedNodeIsKnownByItsFirstOutputAndANamedOneByItsName()
    {
        var model = Model();
        var hidden = model.Graph.Nodes.Single(n => n.Name.Length == 0);
        var filter = NodeFilter.ForNodes("hidden");

        Assert.Equal("hidden", NodeFilter.IdentityOf(hidden));
        Assert.Equal("second", NodeFilter.IdentityOf(model.Graph.Nodes.Single(n => n.Name == "second")));
        Assert.Equal(NodeFilter.ExcludedByName, filter.Exclusion(hidden));
        Assert.Equal(NodeFilter.ExcludedByOpType, NodeFilter.ForOpTypes("MatMul").Exclusion(hidden));
        Assert.Null(NodeFilter.None.Exclusion(hidden));
        Assert.Null(filter.Exclusion(model.Graph.Nodes.Single(n => n.Name == "second")));
    }

    [Theory]
    [InlineData("hidden", "second")]
    [InlineData("second", "hidden")]
    public void TheSameExcludeNodesKeepsTheSameNodeInEveryPass(string excluded, string other)
    {
        var filter = NodeFilter.ForNodes(excluded);

        foreach (var (pass, nodes) in PerNodeReports(filter))
        {
            Assert.True(nodes.TryGetValue(excluded, out var reason), $"{pass} does not report '{excluded}'");
            Assert.True(reason == NodeFilter.ExcludedByName, $"{pass}: '{excluded}' has reason '{reason}'");
            Assert.True(nodes.TryGetValue(other, out var otherReason) && otherReason != NodeFilter.ExcludedByName, $"{pass} excludes '{other}' too");
        }

        var structured = Structured(filter);
        // The hidden channels feed both nodes, so excluding either keeps them; the reason names the node.
        Assert.Equal(Width, structured.Layer("hidden").ChannelsAfter);
        var reasons = structured.UnprunableGroups.SelectMany(g => g.Reasons).Where(r => r.Contains(NodeFilter.ExcludedByName, StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, r => Assert.Contains($"'{excluded}'", r, StringComparison.Ordinal));
    }

    [Fact]
    public void TheSameExcludeOpTypesKeepsTheSameNodesInEveryPass()
    {
        foreach (var (pass, nodes) in PerNodeReports(NodeFilter.ForOpTypes("MatMul")))
        {
            Assert.True(nodes["hidden"] == NodeFilter.ExcludedByOpType && nodes["second"] == NodeFilter.ExcludedByOpType, pass);
        }
        Assert.Equal(Width, Structured(NodeFilter.ForOpTypes("MatMul")).Layer("hidden").ChannelsAfter);
    }

    [Fact]
    public void WithoutAFilterTheHiddenLayerIsPruned()
    {
        Assert.Equal(Width / 2, Structured(NodeFilter.None).Layer("hidden").ChannelsAfter);
    }

    /// <summary>Each per-node pass run on a fresh model with <paramref name="filter"/>: the reason of every MatMul by report name (null when it was changed).</summary>
    private static IEnumerable<(string Pass, Dictionary<string, string?> Nodes)> PerNodeReports(NodeFilter filter)
    {
        static Dictionary<string, string?> ByName(QuantizationReport report)
            => report.Nodes.Where(n => n.OpType == "MatMul").ToDictionary(n => n.NodeName, n => n.Precision == NodePrecision.Float ? n.Reason : null);

        yield return ("Dynamic", ByName(new DynamicQuantizationPass(new DynamicQuantizationOptions { Exclusions = filter }).Run(Model()).Report));
        yield return ("Static", ByName(new StaticQuantizationPass(new StaticQuantizationOptions { Exclusions = filter }, Calibration(), Calibrators.Cpu()).Run(Model()).Report));
        yield return ("Int4", ByName(new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { Exclusions = filter }).Run(Model()).Report));
        yield return ("Float16", ByName(new Float16ConversionPass(new Float16ConversionOptions { Exclusions = filter }).Run(Model()).Report));
        var magnitude = new MagnitudePruningPass(new MagnitudePruningOptions { Exclusions = filter }).Run(Model()).Report;
        yield return ("Magnitude", magnitude.Nodes.ToDictionary(n => n.NodeName, n => n.Reason));
    }

    private static StructuredPruningReport Structured(NodeFilter filter)
        => new StructuredPruningPass(new StructuredPruningOptions { Sparsity = 0.5, Exclusions = filter }).Run(Model()).Report;

    /// <summary>X → MatMul (unnamed, output 'hidden') → Relu → MatMul 'second' → Y.</summary>
    private static OnnxModel Model()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 1, Width);
        var hidden = b.Node("MatMul", [x, b.Weight("W1", [Width, Width], Numbers.Uniform(Width * Width, seed: 1))], ["hidden"], name: "").Outputs[0]!;
        var relu = b.Op("Relu", [hidden], "relu");
        var y = b.Node("MatMul", [relu, b.Weight("W2", [Width, Width], Numbers.Uniform(Width * Width, seed: 2))], ["Y"], "second").Outputs[0]!;
        return b.Output(y).Build(opset: 13);
    }

    private static SampleSet Calibration()
        => SampleSet.FromSamples(Enumerable.Range(0, 4).Select(i =>
            new Sample($"sample {i}", [SampleTensor.FromFloats("X", [1, Width], Numbers.Uniform(Width, seed: 10 + i))])));
}
