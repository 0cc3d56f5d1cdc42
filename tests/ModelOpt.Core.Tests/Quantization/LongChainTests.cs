using ModelOpt.Core.Folding;
using ModelOpt.Core.Passes;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.TestUtilities;

namespace ModelOpt.Core.Tests.Quantization;

/// <summary>
/// Guards that the passes stay linear in the graph's size without timing anything: every edit in
/// the middle of a graph invalidates its positional view, whose rebuild is O(n), so a pass that
/// asked for a position after each edit was O(n²). The number of rebuilds must not grow with
/// the chain. And long chains must not recurse: a chain as deep as the biggest real graphs goes
/// through the passes, the writer and the reader on the default stack.
/// </summary>
public sealed class LongChainTests
{
    [Fact]
    public void DynamicQuantizationRebuildsTheNodeOrderAsOftenForALongChainAsForAShortOne()
    {
        int shortRebuilds = QuantizeAndCountRebuilds(100);
        int longRebuilds = QuantizeAndCountRebuilds(2_000);
        Assert.Equal(shortRebuilds, longRebuilds);
        Assert.InRange(longRebuilds, 0, 10);
    }

    [Fact]
    public void AChainOfTwoHundredThousandNodesPassesThroughTheIrWithoutRecursion()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "chain.onnx");
        using (var chain = ChainModels.Build(ChainShape.Relu, 200_000))
        {
            var pipeline = new PassPipeline([new BatchNormFoldingPass(), new DynamicQuantizationPass()]);
            Assert.False(pipeline.Run(chain).Modified);
            OnnxModelWriter.Save(chain, path);
        }
        using var reloaded = OnnxModelReader.Load(path);
        Assert.Equal(200_000, reloaded.Graph.AllNodes().Count());
        Assert.Equal(ChainModels.OutputName, reloaded.Graph.Nodes[^1].Outputs[0]!.Name);
    }

    private static int QuantizeAndCountRebuilds(int links)
    {
        using var chain = ChainModels.Build(ChainShape.MatMulAdd, 2 * links);
        var report = new DynamicQuantizationPass().Run(chain).Report;
        Assert.Equal(links, report.QuantizedCount);
        return chain.Graph.OrderRebuilds;
    }
}
