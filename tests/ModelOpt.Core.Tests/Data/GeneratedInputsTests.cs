using System.Runtime.InteropServices;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Data;

/// <summary>What generated inputs hold (token ids, masks, segments) and how their open dimensions are sized before any probe.</summary>
public sealed class GeneratedInputsTests
{
    /// <summary>
    /// A BERT-like front: ids [batch, sequence] Cast and Unsqueezed into a Gather on a 50-row
    /// table, an attention mask and token type ids of the same shape, and a BOOL flag.
    /// </summary>
    private static OnnxModel TextModel()
    {
        var g = new GraphBuilder("text");
        var ids = g.SymbolicInput("input_ids", ElementType.Int64, "batch", "sequence");
        var mask = g.SymbolicInput("attention_mask", ElementType.Int64, "batch", "sequence");
        var types = g.SymbolicInput("token_type_ids", ElementType.Int64, "batch", "sequence");
        var flag = g.SymbolicInput("keep", ElementType.Bool, "batch");
        var cast = g.Op("Cast", [ids], "ids32", NodeAttribute.FromInt("to", (long)ElementType.Int32));
        var table = g.Weight("embeddings", [50, 4], new float[200]);
        var embedded = g.Op("Gather", [table, cast], "embedded");
        g.Output(embedded).Output(g.Op("Identity", [mask], "m"), ElementType.Int64)
            .Output(g.Op("Identity", [types], "t"), ElementType.Int64).Output(g.Op("Identity", [flag], "k"), ElementType.Bool);
        return g.Build(17);
    }

    [Fact]
    public void Token_ids_are_uniform_over_the_embedding_rows_masks_are_one_and_segments_zero()
    {
        using var model = TextModel();
        var shapes = new Dictionary<string, long[]> { ["input_ids"] = [2, 16] };
        var samples = SampleSet.Generate(model, "text.onnx", shapes, count: 3).Samples().ToList();

        var ids = samples.SelectMany(s => MemoryMarshal.Cast<byte, long>(s.Tensors[0].Data.Span).ToArray()).ToArray();
        Assert.All(ids, id => Assert.InRange(id, 0, 49));
        Assert.True(ids.Distinct().Count() > 20, "ids spread over the table");
        // The symbol sized by InputShapes for input_ids sizes the other inputs too.
        Assert.All(samples, s => Assert.Equal([2L, 16L], s.Tensors[1].Shape));
        Assert.All(samples, s => Assert.All(MemoryMarshal.Cast<byte, long>(s.Tensors[1].Data.Span).ToArray(), v => Assert.Equal(1, v)));
        Assert.All(samples, s => Assert.All(MemoryMarshal.Cast<byte, long>(s.Tensors[2].Data.Span).ToArray(), v => Assert.Equal(0, v)));
        Assert.All(samples, s => Assert.Equal([2L], s.Tensors[3].Shape));
        Assert.All(samples, s => Assert.All(s.Tensors[3].Data.ToArray(), b => Assert.Equal(1, b)));

        var resolved = SampleSet.Generate(model, "text.onnx", shapes).ResolvedShapes;
        Assert.Equal([ShapeSource.InputShapes, ShapeSource.Graph, ShapeSource.Graph, ShapeSource.Graph], resolved.Select(r => r.Source));

        // Deterministic: the same ids every time.
        var again = SampleSet.Generate(model, "text.onnx", shapes, count: 3).Samples().SelectMany(s => MemoryMarshal.Cast<byte, long>(s.Tensors[0].Data.Span).ToArray());
        Assert.Equal(ids, again);
    }

    [Fact]
    public void A_constant_reshape_target_sizes_an_open_dimension()
    {
        var g = new GraphBuilder("reshape");
        var x = g.SymbolicInput("x", ElementType.Float, "N", "L");
        g.Output(g.Op("Reshape", [x, g.Int64s("shape", 1, 64)], "y"));
        using var model = g.Build(17);

        var inputs = SampleSet.Generate(model, "reshape.onnx", count: 1);
        var shape = Assert.Single(inputs.ResolvedShapes);
        Assert.Equal([1L, 64L], shape.Shape);
        Assert.Equal(ShapeSource.Graph, shape.Source);
        Assert.Equal("x=1,64 (graph)", shape.ToString());
    }

    [Fact]
    public void A_probe_sizes_what_the_graph_does_not_and_a_probe_that_never_runs_lists_the_tries()
    {
        var g = new GraphBuilder("image");
        var x = g.SymbolicInput("x", ElementType.Float, "N", "3", "H", "W");
        g.Output(g.Op("Relu", [x], "y"));
        using var model = g.Build(17);

        var tried = new List<long[]>();
        var probed = SampleSet.Generate(model, "image.onnx", count: 1, probe: s =>
        {
            tried.Add([.. s.Tensors[0].Shape]);
            return s.Tensors[0].Shape[2] <= 64 ? null : "too large";
        });
        var shape = Assert.Single(probed.ResolvedShapes);
        Assert.Equal([1L, 3L, 64L, 64L], shape.Shape);
        Assert.Equal(ShapeSource.Probed, shape.Source);
        Assert.Equal([224L, 256, 320, 128, 64], tried.Select(t => t[2]));

        var e = Assert.Throws<ModelOptException>(() => SampleSet.Generate(model, "image.onnx", probe: _ => "no"));
        Assert.Equal(DiagnosticCode.ValidationInputsInvalid, e.Code);
        Assert.Contains("x=1,3,224,224; x=1,3,256,256", e.Message, StringComparison.Ordinal);
        Assert.Contains("x=1,3,32,32", e.Message, StringComparison.Ordinal);
        Assert.Contains("InputShapes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_float_inputs_keep_the_values_they_had_before_ids_existed()
    {
        // Pinned in ModelOpt.Runtime.Tests too: the float stream is the seed's first draws, whatever other inputs there are.
        var g = new GraphBuilder("mixed");
        var ids = g.Input("ids", ElementType.Int64, 1, 4);
        var x = g.Input("x", 2, 4);
        var table = g.Weight("table", [10, 4], new float[40]);
        g.Output(g.Op("Gather", [table, ids], "e")).Output(g.Op("Relu", [x], "y"));
        using var model = g.Build(17);
        var values = MemoryMarshal.Cast<byte, float>(SampleSet.Generate(model, null, count: 1).Samples().Single().Tensors[1].Data.Span);
        Assert.Equal(0.9694598913192749f, values[0]);
        Assert.Equal(0.28108155727386475f, values[1]);
    }
}
