using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using ModelOpt.Core.Float16;
using ModelOpt.Onnx.Ir;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>A small BERT-like encoder (embedding Gather, attention, Softmax, Erf-GELU, LayerNormalization) in float16.</summary>
public sealed class TransformerFloat16Tests(ITestOutputHelper output)
{
    [Fact]
    public void AnEncoderConvertsEntirelyAndAgreesWithTheOriginal()
    {
        var builder = new TransformerEncoderBuilder { Layers = 2, Hidden = 64, Heads = 4, FeedForward = 128, SequenceLength = 16, VocabularySize = 100 };
        using var model = builder.Build();
        var ids = builder.CreateTokenIds(2, seed: 7);
        var expected = Run(model, builder, ids);
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        Assert.Empty(result.Report.FloatNodes);
        Assert.All(model.Graph.Initializers.Where(v => v.Initializer!.ElementType is ElementType.Float or ElementType.Float16),
            v => Assert.Equal(ElementType.Float16, v.Initializer!.ElementType));
        // LayerNormalization's statistics (stash_type FLOAT) are not read; its normalized output is FLOAT16.
        Assert.Contains(result.Report.Nodes, n => n.OpType == "LayerNormalization");
        Float16Graphs.AssertCleanCasts(model);
        Assert.Single(Float16Graphs.Casts(model));

        var actual = Run(model, builder, ids);
        double cosine = Numbers.Cosine(expected, actual);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cosine {cosine:F7}"));
        Assert.True(cosine >= 0.9999, $"cosine {cosine}");
    }

    private static float[] Run(OnnxModel model, TransformerEncoderBuilder builder, long[] ids)
        => Float16Graphs.Run(model, (builder.InputName, OrtValue.CreateTensorValueFromMemory(ids, builder.InputShape(2))))[0];
}
