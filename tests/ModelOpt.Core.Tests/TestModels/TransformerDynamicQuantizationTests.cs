using System.Globalization;
using ModelOpt.Core.Quantization;
using ModelOpt.Onnx.Serialization;
using Xunit.Abstractions;

namespace ModelOpt.Core.Tests.TestModels;

/// <summary>Dynamic (int8) quantization of the full-size transformer encoder, in ONNX Runtime.</summary>
[Collection(TransformerEncoderCollection.Name)]
public sealed class TransformerDynamicQuantizationTests(TransformerEncoderFixture encoder, ITestOutputHelper output)
{
    [Fact]
    public void DynamicQuantizationKeepsTheEncoderOutputClose()
    {
        var model = encoder.Builder.Build();
        var pass = new DynamicQuantizationPass();

        var result = pass.Run(model);

        // Every projection and feed-forward MatMul; the two attention products have no constant weight.
        Assert.Equal(6 * encoder.Builder.Layers, result.Report.QuantizedCount);
        Assert.Equal(2 * encoder.Builder.Layers, result.Report.FloatNodes.Count);
        byte[] quantized = OnnxModelWriter.ToBytes(model);
        var actual = OrtRunner.Run(quantized, encoder.Input)[0];
        double cosine = Numbers.Cosine(encoder.FloatOutput, actual);
        Assert.True(cosine >= 0.99, $"cosine {cosine}");

        // Printed, not asserted: timing inside a test run is only a hint; the benchmarks measure it.
        var latency = OrtLatency.MedianMilliseconds([encoder.FloatModel, quantized], encoder.Input, warmUp: 2, runs: 9);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Dynamic: cosine {cosine:F5}; ORT CPU latency float {latency[0]:F1} ms, dynamic {latency[1]:F1} ms, ratio {latency[1] / latency[0]:F3} (target <= 0.7)"));
    }
}
