using System.Globalization;
using ModelOpt.Core.Quantization.Int4;
using ModelOpt.Core.Tests.TestModels;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.Int4;

/// <summary>Int4 (block 32) on the full-size transformer encoder, in ONNX Runtime.</summary>
[Collection(TransformerEncoderCollection.Name)]
public sealed class TransformerInt4Tests(TransformerEncoderFixture encoder, ITestOutputHelper output)
{
    [Fact]
    public void MatMulWeightsShrinkToAtMostSixteenPercentAndTheOutputStaysClose()
    {
        var model = encoder.Builder.Build();
        long floatBytes = model.Graph.Nodes.Where(n => n.OpType == "MatMul" && n.Inputs[1]!.Initializer is not null)
            .Sum(n => n.Inputs[1]!.Initializer!.ByteLength);
        var pass = new Int4WeightOnlyQuantizationPass(new Int4QuantizationOptions { BlockSize = 32 });

        var result = pass.Run(model);
        Assert.True(result.Modified);

        int layers = encoder.Builder.Layers;
        Assert.Equal(6 * layers, result.Report.QuantizedCount);
        Assert.All(result.Report.FloatNodes, n => Assert.EndsWith("is computed at run time (not an initializer or Constant)", n.Reason, StringComparison.Ordinal));
        // Packed codes + scales (+ zero points, none when symmetric) against the FLOAT weights they replace.
        long int4Bytes = model.Graph.Nodes.Where(n => n.OpType == "MatMulNBits")
            .Sum(n => n.Inputs.Skip(1).Sum(v => v!.Initializer!.ByteLength));
        double byteRatio = (double)int4Bytes / floatBytes;
        Assert.True(byteRatio <= 0.16, $"4-bit weights take {byteRatio:P2} of FLOAT");

        byte[] quantized = OnnxModelWriter.ToBytes(model);
        var actual = OrtRunner.Run(quantized, encoder.Input)[0];
        double cosine = Numbers.Cosine(encoder.FloatOutput, actual);
        Assert.True(cosine >= 0.98, $"cosine {cosine}");

        var latency = OrtLatency.MedianMilliseconds([encoder.FloatModel, quantized], encoder.Input, warmUp: 1, runs: 5);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Int4 block 32: MatMul weights {int4Bytes} of {floatBytes} bytes ({byteRatio:P2}); cosine {cosine:F5}; ORT CPU latency float {latency[0]:F1} ms, int4 {latency[1]:F1} ms, ratio {latency[1] / latency[0]:F3}"));
    }
}
