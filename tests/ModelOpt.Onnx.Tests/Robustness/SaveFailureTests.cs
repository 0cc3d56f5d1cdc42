using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Onnx.Tests.Serialization;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>
/// A save that fails must leave the destination as it was: no partial model, no partial data
/// file, no temporary file (DESIGN §2: cancellation or a crash never leaves a partial output).
/// </summary>
public sealed class SaveFailureTests
{
    private static readonly ModelSaveOptions AllExternal = new() { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 };

    [Fact]
    public void SavingBelowAFileInsteadOfAFolderIsReported()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("blocker"), "a file, not a folder");
        string path = Path.Combine(folder.Path, "blocker", "model.onnx");
        using var model = SampleModels.Dense();

        ModelOptAssert.Throws(DiagnosticCode.CannotWriteModel, path, () => OnnxModelWriter.Save(model, path));
        ModelOptAssert.Throws(DiagnosticCode.CannotWriteModel, path, () => OnnxModelWriter.Save(model, path, AllExternal));
        AssertFolderHoldsOnly(folder, "blocker");
    }

    [Fact]
    public void SavingOntoAFolderIsReported()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("model.onnx"));
        using var model = SampleModels.Dense();
        ModelOptAssert.Throws(DiagnosticCode.CannotWriteModel, folder.File("model.onnx"), () => OnnxModelWriter.Save(model, folder.File("model.onnx"), AllExternal));
        Assert.True(Directory.Exists(folder.File("model.onnx")));
        Assert.False(File.Exists(folder.File("model.onnx.data")));
        AssertNoTemporaryFiles(folder);
    }

    [Fact]
    public void AWriterThatFailsMidwayLeavesNothingBehind()
    {
        using var folder = new TempFolder();
        string source = folder.File("source.onnx");
        using (var original = SampleModels.Dense()) OnnxModelWriter.Save(original, source, AllExternal);
        using var model = OnnxModelReader.Load(source);
        // The weights are cut short after loading: the writer fails while copying them.
        File.WriteAllBytes(source + ".data", new byte[100]);

        foreach (var options in new[] { AllExternal, new ModelSaveOptions { ExternalData = ExternalDataMode.Never } })
        {
            string path = folder.File($"out-{options.ExternalData}.onnx");
            var exception = Assert.Throws<ModelOptException>(() => OnnxModelWriter.Save(model, path, options));
            Assert.Contains("source.onnx.data", exception.Message, StringComparison.Ordinal);
        }
        AssertFolderHoldsOnly(folder, "source.onnx", "source.onnx.data");
    }

    [Fact]
    public void AFailedSaveKeepsThePreviousFilesIntact()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        using (var first = SampleModels.Dense()) OnnxModelWriter.Save(first, path, AllExternal);
        byte[] modelBefore = File.ReadAllBytes(path);
        byte[] dataBefore = File.ReadAllBytes(path + ".data");

        string source = Path.Combine(folder.Path, "src", "source.onnx");
        using (var second = SampleModels.Dense()) OnnxModelWriter.Save(second, source, AllExternal);
        using var model = OnnxModelReader.Load(source);
        File.WriteAllBytes(source + ".data", new byte[10]);

        Assert.Throws<ModelOptException>(() => OnnxModelWriter.Save(model, path, AllExternal));
        Assert.Equal(modelBefore, File.ReadAllBytes(path));
        Assert.Equal(dataBefore, File.ReadAllBytes(path + ".data"));
        AssertNoTemporaryFiles(folder);
    }

    [Theory]
    [InlineData("../escape.data")]
    [InlineData("/tmp/absolute.data")]
    [InlineData("sub/../../escape.data")]
    [InlineData("C:\\escape.data")]
    [InlineData("")]
    [InlineData("..")]
    public void ADataFileNameOutsideTheModelsFolderIsRefused(string dataFileName)
    {
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        using var model = SampleModels.Dense();
        // The reader would refuse the saved model (MOPT0003), so the writer must not produce it.
        var exception = ModelOptAssert.Throws(DiagnosticCode.InvalidArgument, path,
            () => OnnxModelWriter.Save(model, path, AllExternal with { ExternalDataFileName = dataFileName }), "ExternalDataFileName");
        Assert.Contains("inside the model's folder", exception.Message, StringComparison.Ordinal);
        AssertFolderHoldsOnly(folder);
    }

    [Fact]
    public void ADataFileInAMissingSubfolderIsReported()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        using var model = SampleModels.Dense();
        ModelOptAssert.Throws(DiagnosticCode.CannotWriteModel, path,
            () => OnnxModelWriter.Save(model, path, AllExternal with { ExternalDataFileName = "weights/model.data" }));
        AssertFolderHoldsOnly(folder);
    }

    [Fact]
    public void ADataFileInAnExistingSubfolderIsWrittenAndLoads()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("weights"));
        string path = folder.File("model.onnx");
        using (var model = SampleModels.Dense()) OnnxModelWriter.Save(model, path, AllExternal with { ExternalDataFileName = "weights/model.data" });
        using var loaded = OnnxModelReader.Load(path);
        Assert.Equal("weights/model.data", loaded.Graph.Initializers[0].Initializer!.External!.Location);
    }

    private static void AssertNoTemporaryFiles(TempFolder folder)
        => Assert.DoesNotContain(Directory.GetFiles(folder.Path, "*", SearchOption.AllDirectories), f => Path.GetFileName(f).Contains(".tmp", StringComparison.Ordinal));

    private static void AssertFolderHoldsOnly(TempFolder folder, params string[] names)
        => Assert.Equal(
            names.Order(StringComparer.Ordinal),
            Directory.GetFileSystemEntries(folder.Path, "*", SearchOption.TopDirectoryOnly).Select(Path.GetFileName).Order(StringComparer.Ordinal));
}
