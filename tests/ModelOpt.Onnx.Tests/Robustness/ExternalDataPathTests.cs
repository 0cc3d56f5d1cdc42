using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Onnx.Tests.Serialization;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>
/// External data locations that would read a file outside the model's folder. A model is
/// untrusted input: its <c>location</c> must not become a way to read arbitrary files
/// (onnx/onnx security advisories on external data path traversal).
/// </summary>
public sealed class ExternalDataPathTests
{
    private static readonly byte[] SixteenBytes = new byte[16];

    [Theory]
    [InlineData("../outside.bin", "'..'")]
    [InlineData("sub/../../outside.bin", "'..'")]
    [InlineData("..\\outside.bin", "'..'")]
    [InlineData("sub/..", "'..'")]
    [InlineData("C:\\weights\\outside.bin", "absolute")]
    [InlineData("\\\\server\\share\\outside.bin", "absolute")]
    [InlineData("", "empty")]
    [InlineData("data\0.bin", "NUL")]
    public void LocationsThatLeaveTheFolderAreRejected(string location, string why)
    {
        using var folder = new TempFolder();
        string modelFolder = CreateModelFolderWithOutsideFile(folder);
        string path = WriteModel(modelFolder, location);
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutsideModelFolder, path, () => OnnxModelReader.Load(path),
            "tensor 'W'", why, "inside the model's folder");
    }

    [Fact]
    public void AnAbsolutePathIsRejectedEvenWhenItPointsIntoTheFolder()
    {
        using var folder = new TempFolder();
        string modelFolder = CreateModelFolderWithOutsideFile(folder);
        File.WriteAllBytes(Path.Combine(modelFolder, "inside.bin"), SixteenBytes);
        string path = WriteModel(modelFolder, Path.Combine(modelFolder, "inside.bin"));
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutsideModelFolder, path, () => OnnxModelReader.Load(path), "tensor 'W'", "absolute");
    }

    [Fact]
    public void ASymbolicLinkToAFileOutsideIsRejected()
    {
        using var folder = new TempFolder();
        string modelFolder = CreateModelFolderWithOutsideFile(folder);
        string path;
        if (OperatingSystem.IsWindows())
        {
            // Creating links needs a privilege on Windows; the escape itself must still be refused.
            path = WriteModel(modelFolder, "..\\outside.bin");
        }
        else
        {
            File.CreateSymbolicLink(Path.Combine(modelFolder, "link.bin"), Path.Combine(folder.Path, "outside.bin"));
            path = WriteModel(modelFolder, "link.bin");
        }
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutsideModelFolder, path, () => OnnxModelReader.Load(path), "tensor 'W'");
    }

    [Fact]
    public void ASymbolicLinkSubfolderIsRejected()
    {
        using var folder = new TempFolder();
        string modelFolder = CreateModelFolderWithOutsideFile(folder);
        string path;
        if (OperatingSystem.IsWindows())
        {
            path = WriteModel(modelFolder, "sub\\..\\..\\outside.bin");
        }
        else
        {
            Directory.CreateSymbolicLink(Path.Combine(modelFolder, "linked"), folder.Path);
            path = WriteModel(modelFolder, "linked/outside.bin");
        }
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutsideModelFolder, path, () => OnnxModelReader.Load(path), "tensor 'W'");
    }

    [Fact]
    public void ASymbolicLinkDeeperDownIsRejected()
    {
        using var folder = new TempFolder();
        string modelFolder = CreateModelFolderWithOutsideFile(folder);
        Directory.CreateDirectory(Path.Combine(modelFolder, "a", "b"));
        string path;
        if (OperatingSystem.IsWindows())
        {
            path = WriteModel(modelFolder, "a/b/../../../outside.bin");
        }
        else
        {
            Directory.CreateSymbolicLink(Path.Combine(modelFolder, "a", "b", "c"), folder.Path);
            path = WriteModel(modelFolder, "a/b/c/outside.bin");
        }
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutsideModelFolder, path, () => OnnxModelReader.Load(path), "tensor 'W'");
    }

    [Fact]
    public void PlainFilesInSubfoldersAreAccepted()
    {
        using var folder = new TempFolder();
        string modelFolder = CreateModelFolderWithOutsideFile(folder);
        Directory.CreateDirectory(Path.Combine(modelFolder, "a", "b"));
        File.WriteAllBytes(Path.Combine(modelFolder, "a", "b", "w.bin"), SixteenBytes);
        string path = WriteModel(modelFolder, "./a//b/w.bin");
        using var model = OnnxModelReader.Load(path);
        Assert.Equal(Path.Combine(modelFolder, "a", "b", "w.bin"), model.Graph.Initializers.Single().Initializer!.External!.FullPath);
    }

    /// <summary>Creates <c>model/</c> inside <paramref name="folder"/> and a data file beside it, outside the model's folder.</summary>
    private static string CreateModelFolderWithOutsideFile(TempFolder folder)
    {
        File.WriteAllBytes(folder.File("outside.bin"), SixteenBytes);
        string modelFolder = folder.File("model");
        Directory.CreateDirectory(modelFolder);
        return modelFolder;
    }

    private static string WriteModel(string modelFolder, string location)
    {
        var tensor = ProtoModels.ExternalTensor("W", ElementType.Float, [4], location, "0", "16");
        return ProtoModels.Write(ProtoModels.InitializerModel(tensor), Path.Combine(modelFolder, "model.onnx"));
    }
}
