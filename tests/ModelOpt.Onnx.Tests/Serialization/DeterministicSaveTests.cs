using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>Same model and options, same bytes (DESIGN §4 "Determinism"): build caches and incremental builds rely on it.</summary>
public sealed class DeterministicSaveTests
{
    public static TheoryData<ExternalDataMode> Modes() => [ExternalDataMode.Never, ExternalDataMode.Always, ExternalDataMode.Auto];

    [Theory]
    [MemberData(nameof(Modes))]
    public void SavingTwiceGivesIdenticalFiles(ExternalDataMode mode)
    {
        using var folder = new TempFolder();
        using var model = SampleModels.Dense();
        var options = new ModelSaveOptions { ExternalData = mode, ExternalDataThreshold = 100 };
        // Different folders, same file name: nothing of the folder or the process may leak into the bytes.
        string first = Path.Combine(folder.Path, "a", "model.onnx");
        string second = Path.Combine(folder.Path, "b", "model.onnx");
        OnnxModelWriter.Save(model, first, options);
        OnnxModelWriter.Save(model, second, options);

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(File.Exists(first + ".data"), File.Exists(second + ".data"));
        if (File.Exists(first + ".data")) Assert.Equal(File.ReadAllBytes(first + ".data"), File.ReadAllBytes(second + ".data"));
        Assert.Equal(["model.onnx", .. File.Exists(first + ".data") ? new[] { "model.onnx.data" } : []], Directory.GetFiles(Path.GetDirectoryName(first)!).Select(Path.GetFileName).Order());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void LoadSaveIsAFixedPoint(ExternalDataMode mode)
    {
        using var folder = new TempFolder();
        var options = new ModelSaveOptions { ExternalData = mode, ExternalDataThreshold = 100 };
        using (var model = SampleModels.Dense()) OnnxModelWriter.Save(model, folder.File("gen0.onnx"), options);
        using (var model = OnnxModelReader.Load(folder.File("gen0.onnx"))) OnnxModelWriter.Save(model, folder.File("gen1.onnx"), options);
        using (var model = OnnxModelReader.Load(folder.File("gen1.onnx"))) OnnxModelWriter.Save(model, folder.File("gen2.onnx"), options);

        byte[] gen1 = File.ReadAllBytes(folder.File("gen1.onnx"));
        byte[] gen2 = File.ReadAllBytes(folder.File("gen2.onnx"));
        // The data file's name is part of the model bytes; compare with the names aligned.
        Assert.Equal(gen1.Length, gen2.Length);
        Assert.Equal(
            System.Text.Encoding.Latin1.GetString(gen1).Replace("gen1.onnx.data", "genN.onnx.data", StringComparison.Ordinal),
            System.Text.Encoding.Latin1.GetString(gen2).Replace("gen2.onnx.data", "genN.onnx.data", StringComparison.Ordinal));
        // Auto keeps the layout of its source: inline from the in-memory model on.
        Assert.Equal(mode == ExternalDataMode.Always, File.Exists(folder.File("gen2.onnx.data")));
        if (mode == ExternalDataMode.Always) Assert.Equal(File.ReadAllBytes(folder.File("gen1.onnx.data")), File.ReadAllBytes(folder.File("gen2.onnx.data")));
    }

    [Fact]
    public void BackendSuiteModelsSaveByteIdenticallyToTheirSource()
    {
        // Files written by ONNX's own serializer use the canonical field order, so our output must equal them.
        foreach (string relative in new[] { "node/test_conv_with_strides_padding", "simple/test_expand_shape_model1", "pytorch-converted/test_Conv2d", "node/test_loop11" })
        {
            string path = Path.Combine(TestData.OnnxBackendSuite, relative, "model.onnx");
            using var model = OnnxModelReader.Load(path);
            Assert.Equal(File.ReadAllBytes(path), OnnxModelWriter.ToBytes(model));
        }
    }
}
