using ModelOpt.Core.Quantization;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Quantization;

/// <summary>
/// Dynamic quantization of embedding lookups: Gather from a constant FLOAT table reads an INT8
/// table and dequantizes only the gathered rows, which ONNX Runtime computes exactly as the
/// stored codes times their scales.
/// </summary>
public sealed class EmbeddingQuantizationTests
{
    private const int Entries = 300;
    private const int Width = 24;
    private static readonly long[] Ids = [0, 7, Entries - 1, 3, -1, 7];

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void GatherReadsAnInt8TableAndReturnsTheDequantizedRows(bool perChannel, bool symmetric)
    {
        var (model, table) = GatherModel();
        var expected = Run(model);
        var pass = new DynamicQuantizationPass(new DynamicQuantizationOptions { PerChannel = perChannel, Symmetric = symmetric });

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Equal(new NodeQuantization("lookup", "Gather", NodePrecision.Int8,
            perChannel ? QuantizationGranularity.PerChannel : QuantizationGranularity.PerTensor, null), Assert.Single(result.Report.Nodes));
        Assert.Null(QuantizedModels.Initializer(model, "table"));
        var codes = QuantizedModels.Initializer(model, "table_quantized")!.Initializer!;
        Assert.Equal(ElementType.Int8, codes.ElementType);
        Assert.Equal([Entries, Width], codes.Dims);
        var scales = QuantizedModels.Initializer(model, "table_scale")!.Initializer!;
        Assert.Equal(perChannel ? [Entries, 1] : [], scales.Dims);
        var zeroPoints = QuantizedModels.Initializer(model, "table_zero_point")?.Initializer;
        Assert.Equal(symmetric, zeroPoints is null);
        string[] expectedOps = (perChannel, symmetric) switch
        {
            (true, true) => ["Gather", "Cast", "Gather", "Mul"],
            (true, false) => ["Gather", "Cast", "Gather", "Sub", "Gather", "Mul"],
            (false, true) => ["Gather", "Cast", "Mul"],
            (false, false) => ["Gather", "Cast", "Sub", "Mul"],
        };
        Assert.Equal(expectedOps, model.Graph.Nodes.Select(n => n.OpType));

        var actual = Run(model);

        // Cast, Sub and Mul in float are exact for 8-bit codes: the rows are the decoded table's rows.
        var code = codes.GetRawData().ToArray();
        var scale = scales.ToFloatArray();
        var zero = zeroPoints?.ToFloatArray();
        var decodedRows = Ids.SelectMany(id =>
        {
            int row = (int)((id + Entries) % Entries);
            int parameter = perChannel ? row : 0;
            return Enumerable.Range(0, Width).Select(j =>
                ((sbyte)code[row * Width + j] - (zero?[parameter] ?? 0f)) * scale[parameter]);
        }).ToArray();
        Assert.Equal(decodedRows, actual);
        for (int i = 0; i < actual.Length; i++)
        {
            int row = (int)((Ids[i / Width] + Entries) % Entries);
            float step = scale[perChannel ? row : 0];
            Assert.True(MathF.Abs(actual[i] - expected[i]) <= step / 2 * 1.0001f, $"element {i}: {actual[i]} vs {expected[i]}, step {step}");
        }
        Assert.True(Numbers.Cosine(expected, actual) >= 0.999);
    }

    [Fact]
    public void TheAllZeroRowStaysZero()
    {
        var (model, _) = GatherModel();
        new DynamicQuantizationPass().Run(model);

        var actual = TokenIdRunner.Run(OnnxModelWriter.ToBytes(model), "ids", [5, 5, 5, 5, 5, 5], [2, 3]);

        Assert.All(actual, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void SmallTablesStayInFloat()
    {
        var b = new GraphBuilder();
        var ids = b.Input("ids", ElementType.Int64, 4);
        var table = b.Weight("token_types", [2, 384], Numbers.Uniform(2 * 384, seed: 93));
        var model = b.Output(b.Op("Gather", [table, ids], "types")).Build(opset: 17);
        byte[] before = OnnxModelWriter.ToBytes(model);

        var result = new DynamicQuantizationPass().Run(model);
        Assert.False(result.Modified);

        Assert.Equal("its table holds 768 values (fewer than 4096); the nodes that dequantize it would cost more than the bytes saved",
            Assert.Single(result.Report.Nodes).Reason);
        Assert.Equal(before, OnnxModelWriter.ToBytes(model));
    }

    [Fact]
    public void GathersAlongAnotherAxisAndGathersOfShapesAreLeftAlone()
    {
        var b = new GraphBuilder();
        var ids = b.Input("ids", ElementType.Int64, 4);
        var table = b.Weight("table", [64, 128], Numbers.Uniform(64 * 128, seed: 94));
        var columns = b.Op("Gather", [table, ids], "columns", NodeAttribute.FromInt("axis", 1));
        var shape = b.Op("Shape", [columns], "shape");
        var model = b.Output(columns).Output(b.Op("Gather", [shape, b.Int64s("index", 1)], "dim"), ElementType.Int64).Build(opset: 17);

        var result = new DynamicQuantizationPass().Run(model);
        Assert.False(result.Modified);

        Assert.Equal("it gathers along axis 1; only row lookups (axis 0) are quantized", Assert.Single(result.Report.Nodes).Reason);
    }

    [Fact]
    public void AnEncoderGetsItsWordEmbeddingsInInt8AndStaysClose()
    {
        var builder = new TransformerEncoderBuilder { Layers = 1, Hidden = 64, Heads = 4, FeedForward = 256, SequenceLength = 16, VocabularySize = 1000 };
        var model = builder.Build();
        long floatBytes = OnnxModelWriter.ToBytes(model).Length;
        var ids = builder.CreateTokenIds(batch: 2, seed: 95);
        var expected = TokenIdRunner.Run(OnnxModelWriter.ToBytes(model), builder.InputName, ids, builder.InputShape(2));

        var result = new DynamicQuantizationPass().Run(model);

        Assert.Contains(result.Report.Nodes, n => n is { NodeName: "embeddings.word", Precision: NodePrecision.Int8 });
        byte[] quantized = OnnxModelWriter.ToBytes(model);
        Assert.True(quantized.Length < floatBytes * 0.3, $"{quantized.Length} of {floatBytes} bytes");
        var actual = TokenIdRunner.Run(quantized, builder.InputName, ids, builder.InputShape(2));
        double cosine = Numbers.Cosine(expected, actual);
        Assert.True(cosine >= 0.99, $"cosine {cosine}");
    }

    private static (OnnxModel Model, float[] Table) GatherModel()
    {
        var b = new GraphBuilder();
        var ids = b.Input("ids", ElementType.Int64, 2, 3);
        var table = Numbers.Uniform(Entries * Width, seed: 92, -0.1f, 0.1f);
        // Rows of different scales, row 5 all zero.
        for (int i = 0; i < table.Length; i++) table[i] *= i / Width == 5 ? 0f : 1f + i / Width % 7;
        var model = b.Output(b.Op("Gather", [b.Weight("table", [Entries, Width], table), ids], "lookup")).Build(opset: 17);
        return (model, table);
    }

    private static float[] Run(OnnxModel model) => TokenIdRunner.Run(OnnxModelWriter.ToBytes(model), "ids", Ids, [2, 3]);
}
