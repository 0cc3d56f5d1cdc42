using System.IO.Compression;
using ModelOpt.Core.Analysis;
using ModelOpt.Core.Pruning.Magnitude;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Pruning;

/// <summary>Magnitude pruning of the CNTK ResNet18 (22 Conv weights, 15.9 M elements).</summary>
public sealed class ResNet18MagnitudePruningTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(PruneScope.Layer)]
    [InlineData(PruneScope.Global)]
    public void HalfTheWeightsGoAndTheModelStillRuns(PruneScope scope)
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        byte[] dense = OnnxModelWriter.ToBytes(model);
        var inputs = ResNetInputs.All;
        var expected = inputs.Select(i => OrtRunner.Run(model, ResNetInputs.AsInput(i.Data))[0]).ToArray();

        var pass = new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 0.5, Scope = scope });
        var result = pass.Run(model);
        Assert.True(result.Modified);
        byte[] pruned = OnnxModelWriter.ToBytes(model);

        // Sparsity as ModelCost measures it from the saved weights, not as the pass reports it.
        var cost = ModelCost.Measure(model, new Dictionary<string, long[]> { [ResNetInputs.InputName] = ResNetInputs.Shape });
        double zeros = cost.Nodes.Sum(n => n.WeightSparsity!.Value * n.Parameters);
        double sparsity = zeros / cost.Parameters;
        Assert.Equal(22, result.Report.Nodes.Count(n => n.Pruned));
        Assert.InRange(sparsity, 0.495, 0.505);
        Assert.Equal(result.Report.Sparsity, sparsity, 1e-9);
        if (scope == PruneScope.Layer) Assert.All(result.Report.Nodes, n => Assert.InRange(n.Sparsity, 0.495, 0.505));

        long denseBrotli = Brotli(dense).Length, prunedBrotli = Brotli(pruned).Length;
        double ratio = (double)prunedBrotli / denseBrotli;
        output.WriteLine($"{scope}: sparsity {sparsity:F4}; Brotli {denseBrotli:N0} → {prunedBrotli:N0} bytes ({ratio:P1})");
        foreach (var node in result.Report.Nodes) output.WriteLine($"  {node.NodeName}: {node.Sparsity:P1} of {node.Elements:N0}");
        Assert.True(ratio <= 0.6, $"pruned model compresses to {ratio:P1} of the dense one");

        for (int i = 0; i < inputs.Count; i++)
        {
            var actual = OrtRunner.Run(pruned, ResNetInputs.AsInput(inputs[i].Data))[0];
            Assert.Equal(expected[i].Length, actual.Length);
            output.WriteLine($"  {inputs[i].Name}: feature cosine {Numbers.Cosine(expected[i], actual):F4}");
        }
    }

    [Fact]
    public void PruningIsDeterministicToTheByte()
    {
        Assert.Equal(PruneOnce(), PruneOnce());
    }

    private static byte[] PruneOnce()
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        new MagnitudePruningPass(new MagnitudePruningOptions { Sparsity = 0.5, Scope = PruneScope.Global }).Run(model);
        return OnnxModelWriter.ToBytes(model);
    }

    private static byte[] Brotli(byte[] bytes)
    {
        // Quality 9, window 22: what the build embeds with (the engine's OptimizationEngine).
        using var encoder = new BrotliEncoder(9, 22);
        var compressed = new byte[BrotliEncoder.GetMaxCompressedLength(bytes.Length)];
        Assert.Equal(System.Buffers.OperationStatus.Done, encoder.Compress(bytes, compressed, out _, out int written, isFinalBlock: true));
        return compressed.AsSpan(0, written).ToArray();
    }
}
