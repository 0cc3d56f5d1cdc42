using ModelOpt.Core.Quantization;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Int4;

/// <summary>
/// Embedding lookups (Gather from a constant FLOAT table) → com.microsoft.GatherBlockQuantized,
/// which ONNX Runtime 1.31.1's CPU provider runs with UINT8 data and bits=4.
/// </summary>
public sealed class EmbeddingGatherTests
{
    private const int Entries = 50;
    private static readonly long[] Ids = [0, 7, Entries - 1, 3, -1, 7];

    [Theory]
    [InlineData(96, 32, true)]
    [InlineData(96, 32, false)]
    [InlineData(80, 64, true)]
    [InlineData(80, 64, false)]
    public void GatherBecomesGatherBlockQuantizedThatReturnsTheDecodedRows(int width, int blockSize, bool symmetric)
    {
        var (model, table) = GatherModel(width);
        var expected = Run(model);
        var pass = new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { BlockSize = blockSize, Symmetric = symmetric });

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(new NodeQuantization("lookup", "Gather", NodePrecision.Int4, QuantizationGranularity.PerBlock, null), Assert.Single(result.Report.Nodes));
        var node = Assert.Single(model.Graph.Nodes);
        Assert.Equal(("com.microsoft", "GatherBlockQuantized"), (node.Domain, node.OpType));
        Assert.Equal([Entries, width / 2], node.Inputs[0]!.Initializer!.Dims);
        var decoded = Int4Reference.GatherTable(node);
        int blocks = (width + blockSize - 1) / blockSize;
        var scales = node.Inputs[2]!.Initializer!.ToFloatArray();
        for (int i = 0; i < table.Length; i++)
        {
            Assert.True(MathF.Abs(decoded[i] - table[i]) <= Int4Reference.StepBound(scales[i / width * blocks + i % width / blockSize], symmetric));
        }

        var actual = Run(model);

        // The kernel computes (code − zero point) · scale in float, exactly as the decoder does.
        var rows = Ids.SelectMany(id => decoded.Skip((int)((id + Entries) % Entries) * width).Take(width)).ToArray();
        Assert.Equal(rows, actual);
        double cosine = Numbers.Cosine(expected, actual);
        Assert.True(cosine >= 0.99, $"cosine {cosine}");
    }

    [Fact]
    public void TablesWithOddRowsStayInFloat()
    {
        var (model, _) = GatherModel(width: 33);
        byte[] before = OnnxModelWriter.ToBytes(model);
        var pass = new Int4WeightOnlyQuantizationPass();

        var result = pass.Run(model);
        Assert.False(result.Modified);

        var entry = Assert.Single(result.Report.FloatNodes);
        Assert.Equal("its table's rows have an odd length (33); GatherBlockQuantized packs two 4-bit values per byte along a row", entry.Reason);
        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
    }

    [Fact]
    public void GathersAlongAnotherAxisStayInFloat()
    {
        var b = new GraphBuilder();
        var ids = b.Input("ids", ElementType.Int64, 4);
        var table = b.Weight("table", [64, 64], Numbers.Uniform(64 * 64, seed: 90));
        var model = b.Output(b.Op("Gather", [table, ids], "columns", NodeAttribute.FromInt("axis", 1))).Build(opset: 17);
        var pass = new Int4WeightOnlyQuantizationPass();

        var result = pass.Run(model);
        Assert.False(result.Modified);

        Assert.Equal("it gathers along axis 1; GatherBlockQuantized with packed 4-bit data gathers rows (axis 0) only", Assert.Single(result.Report.Nodes).Reason);
    }

    [Fact]
    public void GathersWithoutAFloatTableAreNotReported()
    {
        var b = new GraphBuilder();
        var x = b.Input("X", 2, 3);
        var shape = b.Op("Shape", [x], "shape");
        var model = b.Output(b.Op("Gather", [shape, b.Int64s("index", 1)], "dim"), ElementType.Int64).Build(opset: 17);
        var pass = new Int4WeightOnlyQuantizationPass();

        var result = pass.Run(model);
        Assert.False(result.Modified);

        Assert.Empty(result.Report.Nodes);
    }

    [Fact]
    public void AnEncoderWithAnEmbeddingTableRunsWithEverythingInFourBits()
    {
        var builder = new TransformerEncoderBuilder { Layers = 1, Hidden = 64, Heads = 4, FeedForward = 256, SequenceLength = 16, VocabularySize = 1000 };
        var model = builder.Build();
        var ids = builder.CreateTokenIds(batch: 2, seed: 91);
        var expected = TokenIdRunner.Run(OnnxModelWriter.ToBytes(model), builder.InputName, ids, builder.InputShape(2));
        var pass = new Int4WeightOnlyQuantizationPass();

        var result = pass.Run(model);

        var quantized = result.Report.Nodes.Where(n => n.Precision == NodePrecision.Int4).Select(n => n.NodeName).ToArray();
        Assert.Equal(["embeddings.word", "layer0.attention.query", "layer0.attention.key", "layer0.attention.value",
            "layer0.attention.output", "layer0.intermediate", "layer0.output"], quantized);
        var actual = TokenIdRunner.Run(OnnxModelWriter.ToBytes(model), builder.InputName, ids, builder.InputShape(2));
        double cosine = Numbers.Cosine(expected, actual);
        Assert.True(cosine >= 0.98, $"cosine {cosine}");
    }

    private static (OnnxModel Model, float[] Table) GatherModel(int width)
    {
        var b = new GraphBuilder();
        var ids = b.Input("ids", ElementType.Int64, 2, 3);
        var table = Numbers.Uniform(Entries * width, seed: 92, -0.1f, 0.1f);
        // Rows of different scales, one all zero.
        for (int i = 0; i < table.Length; i++) table[i] *= i / width == 5 ? 0f : 1f + i / width % 7;
        var model = b.Output(b.Op("Gather", [b.Weight("table", [Entries, width], table), ids], "lookup")).Build(opset: 17);
        return (model, table);
    }

    private static float[] Run(OnnxModel model) => TokenIdRunner.Run(OnnxModelWriter.ToBytes(model), "ids", Ids, [2, 3]);
}
