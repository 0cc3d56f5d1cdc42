using ModelOpt.Core.Float16;
using ModelOpt.Core.Passes;
using ModelOpt.Onnx.Ir;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>Casts already in the model, and the ones the pass adds, end up neither redundant nor chained.</summary>
public sealed class Float16CastTests
{
    [Fact]
    public void AFloat16RoundTripInTheModelDisappears()
    {
        // A mixed-precision export: the product is rounded to FLOAT16 and widened again.
        var b = new GraphBuilder();
        var m = b.Op("MatMul", [b.Input("X", 2, 8), b.Weight("W", [8, 4], Numbers.Uniform(32, seed: 170))], "m");
        var narrow = b.Op("Cast", [m], "narrow", NodeAttribute.FromInt("to", (long)ElementType.Float16));
        var wide = b.Op("Cast", [narrow], "wide", NodeAttribute.FromInt("to", (long)ElementType.Float));
        var model = b.Output(b.Op("Add", [wide, b.Weight("B", [4], Numbers.Uniform(4, seed: 171))], "Y")).Build(opset: 13);
        var expected = OrtRunner.Run(model, Float16ConversionPassTests.Input());
        var pass = new Float16ConversionPass();

        var result = pass.Run(model);
        Assert.True(result.Modified);

        // Left: the input's cast and the output's cast.
        Assert.Equal([ElementType.Float16, ElementType.Float], Float16Graphs.Casts(model).Select(Float16Graphs.CastTarget));
        Assert.Same(Float16Graphs.Node(model, "m").Outputs[0], Float16Graphs.Node(model, "Y").Inputs[0]);
        Assert.Equal(2, result.Report.Summary.RemovedCasts);
        Float16Graphs.AssertCleanCasts(model);
        var actual = OrtRunner.Run(model, Float16ConversionPassTests.Input());
        Numbers.AssertClose(expected[0], actual[0], 5e-3 * Numbers.MaxAbs(expected[0]));
    }

    [Fact]
    public void ACastToFloatInAConvertedRegionCastsToFloat16()
    {
        // Integer data made FLOAT for the float part of the model (token counts, shapes).
        var b = new GraphBuilder();
        var counts = b.Op("Cast", [b.Input("N", ElementType.Int32, 2, 8)], "counts", NodeAttribute.FromInt("to", (long)ElementType.Float));
        var model = b.Output(b.Op("Mul", [counts, b.Input("X", 2, 8)], "Y")).Build(opset: 13);

        Assert.True(new Float16ConversionPass().Run(model).Modified);

        var cast = Float16Graphs.Node(model, "counts");
        Assert.Equal(ElementType.Float16, Float16Graphs.CastTarget(cast));
        Assert.Equal(3, Float16Graphs.Casts(model).Length);
        Float16Graphs.AssertCleanCasts(model);
    }

    [Fact]
    public void AFloatIslandBetweenConvertedNodesGetsOneCastEachWay()
    {
        var b = new GraphBuilder();
        var h = b.Op("MatMul", [b.Input("X", 2, 8), b.Weight("W1", [8, 8], Numbers.Uniform(64, seed: 172))], "h");
        var s = b.Op("Sigmoid", [h], "s");
        var t = b.Op("Tanh", [s], "t");
        var y1 = b.Op("Add", [t, h], "Y1");
        var model = b.Output(y1).Output(b.Op("Mul", [t, s], "Y2")).Build(opset: 13);
        var expected = OrtRunner.Run(model, Float16ConversionPassTests.Input());

        Assert.True(new Float16ConversionPass(new Float16ConversionOptions { Exclusions = NodeFilter.ForOpTypes("Sigmoid", "Tanh") }).Run(model).Modified);

        // h → FLOAT for Sigmoid; t → FLOAT16 for Add and Mul; s → FLOAT16 for Mul; two outputs back to FLOAT.
        var casts = Float16Graphs.Casts(model);
        Assert.Equal(6, casts.Length);
        Assert.Equal(casts.Length, casts.Select(c => (c.Inputs[0], Float16Graphs.CastTarget(c))).Distinct().Count());
        Float16Graphs.AssertCleanCasts(model);
        var actual = OrtRunner.Run(model, Float16ConversionPassTests.Input());
        for (int i = 0; i < 2; i++) Numbers.AssertClose(expected[i], actual[i], 5e-3 * Numbers.MaxAbs(expected[i]));
    }

    [Fact]
    public void ConvertedReadersOfAKeptWideningCastReadItsFloat16Input()
    {
        // FLOAT16 data widened by a Cast that stays (excluded): the converted Relu needs FLOAT16,
        // and instead of narrowing the widened value again it reads the FLOAT16 input.
        var b = new GraphBuilder();
        var h = b.Input("H", ElementType.Float16, 2, 8);
        var wide = b.Op("Cast", [h], "wide", NodeAttribute.FromInt("to", (long)ElementType.Float));
        var model = b.Output(b.Op("Relu", [wide], "Y1")).Output(b.Op("Sigmoid", [wide], "Y2")).Build(opset: 13);

        Assert.True(new Float16ConversionPass(new Float16ConversionOptions { Exclusions = NodeFilter.ForNodes("wide", "Y2") }).Run(model).Modified);

        Assert.Same(h, Float16Graphs.Node(model, "Y1").Inputs[0]);
        Assert.Same(Float16Graphs.Node(model, "wide").Outputs[0], Float16Graphs.Node(model, "Y2").Inputs[0]);
        Assert.Equal([ElementType.Float, ElementType.Float], Float16Graphs.Casts(model).Select(Float16Graphs.CastTarget));
        Float16Graphs.AssertCleanCasts(model);
        var input = Numbers.Uniform(16, seed: 173);
        Assert.Equal(2, Float16Graphs.RunHalf(model, "H", input, [2, 8]).Length);
    }
}
