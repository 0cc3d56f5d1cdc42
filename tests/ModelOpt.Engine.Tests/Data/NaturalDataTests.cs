using System.Globalization;
using System.Security.Cryptography;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Engine.Tests.Data;

/// <summary>
/// Calibration and validation from the data users have: photographs decoded and normalized in
/// the worker give the same model as the equivalent tensors; sentences tokenized with a
/// vocabulary calibrate and validate a real BERT; unusable data is a diagnostic, not a crash.
/// </summary>
public sealed class NaturalDataTests
{
    [Fact]
    public void PhotosCalibrateResNet18ExactlyAsTheirTensorsDo()
    {
        using var folder = new TempFolder();
        // The tensors: the photos (not the synthetic image, which has no file) as ResNetInputs makes them.
        string tensors = Directory.CreateDirectory(folder.File("tensors")).FullName;
        foreach (var (name, data) in ResNetInputs.All.Where(i => i.Name != "synthetic"))
        {
            SampleFiles.NpyFloats(Path.Combine(tensors, Path.GetFileNameWithoutExtension(name) + ".npy"), ResNetInputs.Shape, data);
        }
        string fromTensors = Optimize(folder.File("tensors.onnx"), ("calibration-data", tensors));
        string fromPreprocessor = Optimize(folder.File("preprocessor.onnx"), ("calibration-data", TestData.ImagesFolder), ("preprocessor", TestData.ResNetPreprocessPath));
        Assert.Equal(fromTensors, fromPreprocessor);

        // The package's model subtracts a mean image, which per-channel ImageMean cannot express;
        // its channel order and per-channel averages, computed here the same way, must give the same bytes.
        var (order, means) = ResNetPreprocessing();
        string normalized = Directory.CreateDirectory(folder.File("normalized")).FullName;
        const int plane = ResNetInputs.Side * ResNetInputs.Side;
        foreach (var (name, pixels) in PhotoCrops.Load(TestData.ImagesFolder, ResNetInputs.Side).Where(p => p.Name != "synthetic"))
        {
            var data = new float[pixels.Length];
            for (int c = 0; c < 3; c++)
            {
                int source = order == "BGR" ? 2 - c : c;
                for (int p = 0; p < plane; p++) data[(c * plane) + p] = (pixels[(source * plane) + p] / 1f) - means[c];
            }
            SampleFiles.NpyFloats(Path.Combine(normalized, Path.GetFileNameWithoutExtension(name) + ".npy"), ResNetInputs.Shape, data);
        }
        string fromNormalized = Optimize(folder.File("normalized.onnx"), ("calibration-data", normalized));
        string fromMeans = Optimize(folder.File("means.onnx"), ("calibration-data", TestData.ImagesFolder), ("image-size", "224"), ("image-resize", "Crop"),
            ("image-scale", "1"), ("channel-order", order), ("image-mean", string.Join(",", means.Select(m => m.ToString("R", CultureInfo.InvariantCulture)))));
        Assert.Equal(fromNormalized, fromMeans);
    }

    [Fact]
    public void SentencesCalibrateAndValidateArcticEmbedXs()
    {
        using var folder = new TempFolder();
        string calibration = Directory.CreateDirectory(folder.File("calibration")).FullName;
        File.WriteAllLines(Path.Combine(calibration, "sentences.txt"),
            ["The cat sat on the mat.", "Snowflake is a data cloud.", "", "The quick brown fox jumps over the lazy dog!", "Hello world"]);
        string validation = Directory.CreateDirectory(folder.File("validation")).FullName;
        File.WriteAllLines(Path.Combine(validation, "queries.txt"), ["what is a sentence embedding?", "Café au lait"]);

        var report = new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(ArcticXs.ModelPath, folder.File("out.onnx"), null, null, null,
            Options(("quantize", "Static"), ("calibration-data", calibration), ("validation-data", validation), ("vocabulary", ArcticXs.VocabularyPath),
                ("min-cosine-similarity", "0"))));

        // The encoder's MatMuls become 8-bit QDQ.
        Assert.True(new FileInfo(folder.File("out.onnx")).Length < new FileInfo(ArcticXs.ModelPath).Length * 0.8);
        Assert.NotNull(report);
    }

    [Fact]
    public void UnusableDataIsADiagnostic()
    {
        using var folder = new TempFolder();
        string text = Directory.CreateDirectory(folder.File("text")).FullName;
        File.WriteAllText(Path.Combine(text, "lines.txt"), "hello world");

        var noVocabulary = Assert.Throws<ModelOptException>(() => Run(ArcticXs.ModelPath, folder.File("a.onnx"), ("quantize", "Static"), ("calibration-data", text)));
        Assert.Equal(DiagnosticCode.CalibrationDataInvalid, noVocabulary.Code);
        Assert.Contains("Vocabulary", noVocabulary.Message);
        Assert.False(File.Exists(folder.File("a.onnx")));

        var missingVocabulary = Assert.Throws<ModelOptException>(() => Run(ArcticXs.ModelPath, folder.File("b.onnx"), ("quantize", "Static"), ("calibration-data", text),
            ("vocabulary", folder.File("vocab.txt"))));
        Assert.Equal(DiagnosticCode.FileNotReadable, missingVocabulary.Code);

        // A model whose image side is symbolic: the photos cannot be sized without ImageSize.
        string symbolic = folder.File("symbolic.onnx");
        using (var model = OnnxModelReader.Load(TestData.ResNet18Path))
        {
            var dims = model.Graph.Inputs[0].Type!.TensorType.Shape.Dim;
            dims[2].DimParam = "height";
            dims[3].DimParam = "width";
            OnnxModelWriter.Save(model, symbolic);
        }
        var noSize = Assert.Throws<ModelOptException>(() => Run(symbolic, folder.File("c.onnx"), ("quantize", "Static"), ("calibration-data", TestData.ImagesFolder)));
        Assert.Equal(DiagnosticCode.CalibrationDataInvalid, noSize.Code);
        Assert.Contains("ImageSize", noSize.Message);

        string corrupt = Directory.CreateDirectory(folder.File("corrupt")).FullName;
        File.WriteAllBytes(Path.Combine(corrupt, "photo.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]);
        var broken = Assert.Throws<ModelOptException>(() => Run(TestData.ResNet18Path, folder.File("d.onnx"), ("quantize", "Static"), ("calibration-data", corrupt)));
        Assert.Equal(DiagnosticCode.CalibrationDataInvalid, broken.Code);
        Assert.Contains("photo.jpg", broken.Message);
    }

    [Theory]
    [InlineData("image-size", "0")]
    [InlineData("image-size", "224x")]
    [InlineData("image-mean", "1,2")]
    [InlineData("image-std", "0")]
    [InlineData("image-layout", "CHW")]
    [InlineData("max-sequence-length", "1")]
    public void BadValuesAreInvalidOption(string option, string value)
    {
        var error = Assert.Throws<ModelOptException>(() => Options((option, value)));
        Assert.Equal(DiagnosticCode.InvalidOption, error.Code);
        Assert.Contains("expected", error.Message);
    }

    [Fact]
    public void ValuesAreNormalized()
    {
        Assert.Equal("224x224", OptionTable.Find("image-size")!.Normalize(" 224 "));
        Assert.Equal("320x48", OptionTable.Find("image-size")!.Normalize("320X48"));
        Assert.Equal("0.5,1,2", OptionTable.Find("image-mean")!.Normalize("0.50, 1 ,2.0"));
    }

    /// <summary>
    /// What ResNetPreprocess.onnx does, read from the model: it splits the channels, concatenates
    /// them (reversed: BGR) and subtracts a mean image; the means returned are its per-channel averages.
    /// </summary>
    private static (string Order, float[] Means) ResNetPreprocessing()
    {
        using var model = OnnxModelReader.Load(TestData.ResNetPreprocessPath);
        var split = model.Graph.Nodes.Single(n => n.OpType == "Split");
        var concat = model.Graph.Nodes.Single(n => n.OpType == "Concat");
        string order = concat.Inputs.Select(v => v!.Name).SequenceEqual(split.Outputs.Reverse().Select(v => v!.Name)) ? "BGR"
            : concat.Inputs.Select(v => v!.Name).SequenceEqual(split.Outputs.Select(v => v!.Name)) ? "RGB"
            : throw new InvalidOperationException("ResNetPreprocess.onnx reorders channels in an unexpected way.");
        float[] image = Assert.Single(model.Graph.Initializers).Initializer!.ToFloatArray();
        int plane = image.Length / 3;
        float[] means = [.. Enumerable.Range(0, 3).Select(c => (float)image.AsSpan(c * plane, plane).ToArray().Average(v => (double)v))];
        return (order, means);
    }

    private static string Optimize(string output, params (string Option, string Value)[] pairs)
    {
        Run(TestData.ResNet18Path, output, [("quantize", "Static"), .. pairs]);
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(output)));
    }

    private static void Run(string model, string output, params (string Option, string Value)[] pairs)
        => new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(model, output, null, null, null, Options(pairs)));

    // Latency is measured, not written: leaving it out keeps the tests quick.
    private static OptimizationOptions Options(params (string Option, string Value)[] pairs)
        => OptimizationOptions.Parse(pairs.Select(p => KeyValuePair.Create(p.Option, p.Value)).Append(KeyValuePair.Create("latency-runs", "0")), null, "test");
}
