using Google.Protobuf;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Onnx.Tests.Serialization;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>Model files that are missing, unreadable, truncated, corrupt, or not ONNX.</summary>
public sealed class ModelFileErrorTests
{
    private static string SampleModelPath => Path.Combine(TestData.OnnxBackendSuite, "pytorch-converted", "test_Conv2d", "model.onnx");

    [Fact]
    public void AMissingFileIsReported()
    {
        using var folder = new TempFolder();
        string path = folder.File("missing.onnx");
        ModelOptAssert.Throws(DiagnosticCode.FileNotReadable, path, () => OnnxModelReader.Load(path), "does not exist");
    }

    [Fact]
    public void AMissingFolderIsReported()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "no", "such", "folder", "model.onnx");
        ModelOptAssert.Throws(DiagnosticCode.FileNotReadable, path, () => OnnxModelReader.Load(path), "does not exist");
    }

    [Fact]
    public void AFolderInsteadOfAFileIsReported()
    {
        using var folder = new TempFolder();
        ModelOptAssert.Throws(DiagnosticCode.FileNotReadable, folder.Path, () => OnnxModelReader.Load(folder.Path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad\0name.onnx")]
    public void APathThatIsNoPathIsReported(string path)
    {
        var exception = Assert.Throws<ModelOptException>(() => OnnxModelReader.Load(path));
        Assert.Equal(DiagnosticCode.FileNotReadable, exception.Code);
        Assert.Contains("not a valid file path", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyFileIsNotAModel()
    {
        using var folder = new TempFolder();
        string path = folder.File("empty.onnx");
        File.WriteAllBytes(path, []);
        ModelOptAssert.Throws(DiagnosticCode.InvalidProtobuf, path, () => OnnxModelReader.Load(path), "holds no graph");
    }

    [Fact]
    public void AProtobufWithoutAGraphIsNotAModel()
    {
        using var folder = new TempFolder();
        string path = folder.File("tensor.onnx");
        // A tensor file of the backend suite (input_0.pb) parses as a ModelProto without a graph.
        File.WriteAllBytes(path, ProtoModels.FloatTensor("x", [2], 1f, 2f).ToByteArray());
        ModelOptAssert.Throws(DiagnosticCode.InvalidProtobuf, path, () => OnnxModelReader.Load(path));
    }

    [Fact]
    public void ATruncatedModelIsReported()
    {
        using var folder = new TempFolder();
        byte[] bytes = File.ReadAllBytes(SampleModelPath);
        string path = folder.File("truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        ModelOptAssert.Throws(DiagnosticCode.InvalidProtobuf, path, () => OnnxModelReader.Load(path), "truncated or corrupt", "Re-export");
    }

    [Fact]
    public void EveryPrefixOfAModelLoadsOrIsReportedAsInvalid()
    {
        using var folder = new TempFolder();
        byte[] bytes = File.ReadAllBytes(SampleModelPath);
        string path = folder.File("prefix.onnx");
        int loaded = 0;
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            try
            {
                // A cut at a field boundary after the graph is still a well-formed (smaller) model.
                OnnxModelReader.Load(path).Dispose();
                loaded++;
            }
            catch (ModelOptException e)
            {
                Assert.True(e.Code == DiagnosticCode.InvalidProtobuf, $"prefix of {length} bytes: {e.ToCanonicalString()}");
                Assert.Equal(path, e.FilePath);
            }
        }
        // At least the cut right after the graph field, before the opset imports, is such a model.
        Assert.InRange(loaded, 1, 10);
    }

    public static TheoryData<string, byte[]> CorruptFiles() => new()
    {
        { "text", "this is not a model\n"u8.ToArray() },
        { "png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] },
        { "all-ones", Enumerable.Repeat((byte)0xFF, 64).ToArray() },
        { "invalid-tag-zero", [0x00, 0x01, 0x02] },
        { "negative-length", [0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F] },
        { "huge-length", [0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x01] },
        { "overlong-varint", [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] },
        { "end-group-without-start", [0x3C] },
        { "wire-type-7", [0x3F, 0x00] },
        { "random", RandomBytes(4096) },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void CorruptBytesAreReported(string name, byte[] content)
    {
        using var folder = new TempFolder();
        string path = folder.File(name + ".onnx");
        File.WriteAllBytes(path, content);
        ModelOptAssert.Throws(DiagnosticCode.InvalidProtobuf, path, () => OnnxModelReader.Load(path));
    }

    [Fact]
    public void ParseFileGivesTheSameErrors()
    {
        using var folder = new TempFolder();
        string missing = folder.File("missing.onnx");
        ModelOptAssert.Throws(DiagnosticCode.FileNotReadable, missing, () => OnnxModelReader.ParseFile(missing));
        string corrupt = folder.File("corrupt.onnx");
        File.WriteAllBytes(corrupt, [0x3A, 0x10, 0x01]);
        ModelOptAssert.Throws(DiagnosticCode.InvalidProtobuf, corrupt, () => OnnxModelReader.ParseFile(corrupt));
    }

    [Fact]
    public void AValidModelAppendedWithGarbageIsReported()
    {
        using var folder = new TempFolder();
        string path = folder.File("garbage.onnx");
        // Wire type 7 does not exist: trailing bytes that are no field make the whole file invalid.
        File.WriteAllBytes(path, [.. File.ReadAllBytes(SampleModelPath), 0xFF]);
        ModelOptAssert.Throws(DiagnosticCode.InvalidProtobuf, path, () => OnnxModelReader.Load(path));
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(20240611).NextBytes(bytes);
        return bytes;
    }
}
