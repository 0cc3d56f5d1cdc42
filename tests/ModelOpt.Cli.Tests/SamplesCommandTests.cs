using System.Runtime.InteropServices;
using ModelOpt.Core.Data;

namespace ModelOpt.Cli.Tests;

/// <summary><c>modelopt samples</c>: a data folder of images or text written as the .npy tensors a build feeds the model.</summary>
public sealed class SamplesCommandTests
{
    [Fact]
    public void Photos_are_written_as_the_model_input_one_npy_per_sample()
    {
        using var folder = new TempFolder();
        var (exitCode, output, error) = Cli.Run("samples", TestData.ResNet18Path, "--data", TestData.ImagesFolder, "-o", folder.Path,
            "--image-scale", "1", "--image-resize", "Crop");

        Assert.True(exitCode == 0, error);
        Assert.Contains("coffee.png: Input247 FLOAT[1,3,224,224]", output, StringComparison.Ordinal);
        Assert.Contains("8 sample(s) written", output, StringComparison.Ordinal);
        // Read back as a tensor folder: the same pixels as ImageSharp's crop of the photo.
        var samples = SampleSet.FromFolder(folder.Path, "--data", SamplePurpose.Validation).Samples().ToArray();
        Assert.Equal(8, samples.Length);
        var coffee = Assert.Single(samples.Single(s => s.Name == "coffee.png").Tensors);
        Assert.Equal("Input247", coffee.Name);
        Assert.Equal(PhotoCrops.Load(TestData.ImagesFolder, 224).Single(p => p.Name == "coffee.png").Pixels, MemoryMarshal.Cast<byte, float>(coffee.Data.Span).ToArray());
    }

    [Fact]
    public void Text_lines_are_written_as_token_ids()
    {
        using var folder = new TempFolder();
        string data = Directory.CreateDirectory(folder.File("data")).FullName;
        File.WriteAllText(Path.Combine(data, "q.txt"), "hello world\n");
        var (exitCode, output, error) = Cli.Run("samples", ArcticXs.ModelPath, "--data", data, "-o", folder.File("out"), "--vocabulary", ArcticXs.VocabularyPath);

        Assert.True(exitCode == 0, error);
        Assert.Contains("q.txt:1: input_ids INT64[1,4]", output, StringComparison.Ordinal);
        var ids = Assert.Single(Assert.Single(SampleSet.FromFolder(folder.File("out"), "--data", SamplePurpose.Validation).Samples()).Tensors, t => t.Name == "input_ids");
        Assert.Equal([101L, 7592, 2088, 102], MemoryMarshal.Cast<byte, long>(ids.Data.Span).ToArray());
    }

    [Fact]
    public void Text_without_a_vocabulary_fails_with_a_diagnostic()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("q.txt"), "hello world\n");
        var (exitCode, _, error) = Cli.Run("samples", ArcticXs.ModelPath, "--data", folder.Path, "-o", folder.File("out"));

        Assert.Equal(1, exitCode);
        Assert.Contains("MOPT0131", error, StringComparison.Ordinal);
        Assert.Contains("Vocabulary", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_options_are_usage_errors()
    {
        var (exitCode, _, error) = Cli.Run("samples", TestData.ResNet18Path, "--data", ".", "-o", ".", "--quantize", "Static");
        Assert.Equal(2, exitCode);
        Assert.Contains("unknown option '--quantize'", error, StringComparison.Ordinal);
    }
}
