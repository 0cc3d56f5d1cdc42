using ModelOpt.Core.Data;
using ModelOpt.Core.Float16;
using ModelOpt.Core.Quantization;
using ModelOpt.Core.Tests.Infrastructure;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Core.Tests.Float16;

/// <summary>The range check on small models built in code, measured in ONNX Runtime through the calibrator.</summary>
public sealed class Float16RangeCheckTests
{
    [Fact]
    public void AnActivationBeyondFloat16KeepsItsProducerAndReadersInFloatWithTheReason()
    {
        // X·W reaches 8·100·200 = 1.6e5 at full input, beyond 65504; the Mul brings it back.
        var b = new GraphBuilder();
        var big = b.Op("MatMul", [b.Input("X", 2, 8), b.Weight("W", [8, 8], Enumerable.Repeat(200f, 64).ToArray())], "big");
        var scaled = b.Op("Mul", [big, b.Weight("S", [1], [1e-4f])], "scaled");
        var model = b.Output(b.Op("Relu", [scaled], "Y")).Build(opset: 13);
        var samples = Samples(100f);
        var expected = OrtRunner.Run(model, new FloatInput("X", Input(100f), [2, 8]));

        var result = new Float16ConversionPass(null, samples, Calibrators.Cpu()).Run(model);

        Assert.True(result.Modified);
        var nodes = result.Report.Nodes.ToDictionary(n => n.NodeName);
        Assert.Equal(NodePrecision.Float, nodes["big"].Precision);
        Assert.Equal("its output 'big' reaches 1.6E+05 on sample 's0', beyond FLOAT16's 65504", nodes["big"].Reason);
        Assert.Equal(NodePrecision.Float, nodes["scaled"].Precision);
        Assert.StartsWith("reads 'big', which reaches 1.6E+05", nodes["scaled"].Reason, StringComparison.Ordinal);
        Assert.Equal(NodePrecision.Float16, nodes["Y"].Precision);
        var actual = OrtRunner.Run(model, new FloatInput("X", Input(100f), [2, 8]));
        Assert.All(actual[0], v => Assert.True(float.IsFinite(v)));
        Numbers.AssertClose(expected[0], actual[0], 5e-3 * Numbers.MaxAbs(expected[0]));
    }

    [Fact]
    public void AWeightedSumWhosePartialSumsCancelStaysFloatAndItsReaderConverts()
    {
        // Rows of +50.5 and −50 in turn: partial sums reach 8·50·6 = 2400 while the ReLU6 keeps at most 6 (gain 400).
        var b = new GraphBuilder();
        float[] weights = [.. Enumerable.Range(0, 64).Select(i => i / 8 % 2 == 0 ? 50.5f : -50f)];
        var sums = b.Op("MatMul", [b.Input("X", 2, 8), b.Weight("W", [8, 8], weights)], "sums");
        var clip = b.Op("Clip", [sums, b.Weight("lo", [], [0f]), b.Weight("hi", [], [6f])], "clip");
        var model = b.Output(b.Op("MatMul", [clip, b.Weight("W2", [8, 4], Numbers.Uniform(32, seed: 170))], "Y")).Build(opset: 13);

        var result = new Float16ConversionPass(null, Samples(6f), Calibrators.Cpu()).Run(model);

        var nodes = result.Report.Nodes.ToDictionary(n => n.NodeName);
        Assert.Equal(NodePrecision.Float, nodes["sums"].Precision);
        Assert.StartsWith("its weighted sums cancel: partial sums reach", nodes["sums"].Reason, StringComparison.Ordinal);
        Assert.Equal(NodePrecision.Float16, nodes["clip"].Precision);
        Assert.Equal(NodePrecision.Float16, nodes["Y"].Precision);
    }

    [Fact]
    public void AModelInRangeConvertsAsWithoutSamplesAndTheOutputIsByteIdenticalOnEveryRun()
    {
        static OnnxModel Model()
        {
            var b = new GraphBuilder();
            var h = b.Op("MatMul", [b.Input("X", 2, 8), b.Weight("W", [8, 8], Numbers.Uniform(64, seed: 171))], "h");
            return b.Output(b.Op("Relu", [h], "Y")).Build(opset: 13);
        }
        var plain = Model();
        new Float16ConversionPass().Run(plain);
        var first = Model();
        var second = Model();

        var report = new Float16ConversionPass(null, Samples(1f), Calibrators.Cpu()).Run(first).Report;
        new Float16ConversionPass(null, Samples(1f), Calibrators.Cpu()).Run(second);

        Assert.All(report.Nodes, n => Assert.Equal(NodePrecision.Float16, n.Precision));
        Assert.Equal(OnnxModelWriter.ToBytes(plain), OnnxModelWriter.ToBytes(first));
        Assert.Equal(OnnxModelWriter.ToBytes(first), OnnxModelWriter.ToBytes(second));
    }

    /// <summary>Three samples of X in [0, <paramref name="scale"/>], the first one all at the top.</summary>
    private static SampleSet Samples(float scale)
        => SampleSet.FromSamples(Enumerable.Range(0, 3).Select(i => new Sample($"s{i}",
            [SampleTensor.FromFloats("X", [2, 8], i == 0 ? Input(scale) : [.. Numbers.Uniform(16, seed: 180 + i).Select(v => (v + 1) / 2 * scale)])])));

    private static float[] Input(float value) => Enumerable.Repeat(value, 16).ToArray();
}
