using System.Security.Cryptography;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Tests.Jobs;

/// <summary>
/// Byte-identical outputs across refactorings: each configuration's SHA-256 was recorded with the
/// engine before the engine became a library (issue 10, commit 4bd318a), by <c>modelopt optimize</c>
/// on the same inputs. A change here means the engine's output changed: if that is intended
/// (a better quantizer), record the new hash in the same commit and say why.
/// </summary>
public sealed class OutputHashTests
{
    [Theory]
    [InlineData("Dynamic", "32903ef319d11ada9d1df9db15a386878a2c9451b002f2b7b5a7543fd77b21b6")]
    // Static changed in issue 12: bias correction, cross-layer equalization, and the last Add/Relu/AveragePool (the output tail) in float.
    [InlineData("Static, Nearest", "98bac29be7a0ecc7cebc0e0c71146c49ce8c17117858cef1e30849ff4da60bcf")]
    // Static changed again with error-compensated rounding (WeightRounding="Gptq", the default): same grid, other grid points.
    [InlineData("Static", "3c8b24257529160aed4e0af0208fb8a43be670d9a87a56659d771f4eaeaec9cc")]
    // Float16 changed with the range check: on the generated inputs three 3×3 Convs (Convolution355, 373, 387) have cancellation gains 131 to 206 and stay FLOAT.
    [InlineData("Float16", "f320d32fe1a68676020c849a47c484bb6ffb419b9bcb2bdaa542be97fea5c4f9")]
    [InlineData("Int4", "6e9eba6436361076172cd8448fcabd192e7f51cee9a44f2724e7398618db8844")]
    [InlineData("Structured", "b41fd48c2f1187c3ad3c449dffd6175bbe2ae66bd63c651e0723c11faeae5755")]
    [InlineData("Auto", "32903ef319d11ada9d1df9db15a386878a2c9451b002f2b7b5a7543fd77b21b6")]
    public void ResNet18_outputs_keep_their_bytes(string configuration, string sha256)
    {
        using var folder = new TempFolder();
        var options = configuration switch
        {
            // Auto with Objective=Size decides by bytes alone; the default (Balanced) also measures latency, which no hash can pin.
            // The gate checks the worst sample since issue 11: Static's worst photo crop ('synthetic', 0.9887) is below the
            // default 0.99 that the cosine of all crops at once passed. The bytes are what is recorded here, so the gate is relaxed.
            "Static" => Options(("quantize", "Static"), ("calibration-data", ResNetInputs.WriteNpyFiles(folder.File("photos"))), ("min-cosine-similarity", "0.98")),
            "Static, Nearest" => Options(("quantize", "Static"), ("calibration-data", ResNetInputs.WriteNpyFiles(folder.File("photos"))), ("min-cosine-similarity", "0.98"),
                ("weight-rounding", "Nearest")),
            "Structured" => Options(("quantize", "None"), ("prune", "Structured"), ("sparsity", "0.5"), ("min-cosine-similarity", "0")),
            "Auto" => Options(("quantize", "Auto"), ("calibration-data", ResNetInputs.WriteNpyFiles(folder.File("photos"))), ("min-cosine-similarity", "0.995"), ("objective", "Size")),
            _ => Options(("quantize", configuration)),
        };

        string actual = Optimize(TestData.ResNet18Path, folder.File("out.onnx"), options);
        Assert.True(actual == sha256, $"SHA-256 {actual}, recorded {sha256}");
    }

    [Theory]
    [InlineData("Dynamic", "2f449ab86ddacc3394e27f86d4076ec9b8eb45544e841f2d2ccdf43b1990b1dd")]
    [InlineData("Int4", "2eb18cedb4b46a7b1ca7df1bd8a2a741b716e7d8ba15dd522b77b17753c9910b")]
    public void Encoder_outputs_keep_their_bytes(string mode, string sha256)
    {
        using var folder = new TempFolder();
        string encoder = folder.File("encoder.onnx");
        using (var model = new TransformerEncoderBuilder { Layers = 2, Hidden = 256, Heads = 4, FeedForward = 1024, SequenceLength = 64, BatchSize = 1 }.Build())
        {
            OnnxModelWriter.Save(model, encoder);
        }

        Assert.Equal(sha256, Optimize(encoder, folder.File("out.onnx"), Options(("quantize", mode))));
    }

    // Latency is measured, not written: leaving it out keeps the test quick without touching the bytes.
    private static OptimizationOptions Options(params (string Option, string Value)[] pairs)
        => OptimizationOptions.Parse(pairs.Select(p => KeyValuePair.Create(p.Option, p.Value)).Append(KeyValuePair.Create("latency-runs", "0")), null, "test");

    private static string Optimize(string model, string output, OptimizationOptions options)
    {
        new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(model, output, null, null, null, options));
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(output)));
    }
}
