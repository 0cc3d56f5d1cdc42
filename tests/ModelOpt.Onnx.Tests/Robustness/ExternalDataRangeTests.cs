using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Onnx.Tests.Serialization;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>External data references whose file, range or length do not fit: MOPT0004 and MOPT0006.</summary>
public sealed class ExternalDataRangeTests
{
    private const int DataFileLength = 64;

    [Fact]
    public void AMissingDataFileIsReported()
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, "gone.bin", "0", "16", withDataFile: false);
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutOfRange, path, () => OnnxModelReader.Load(path), "tensor 'W'", "'gone.bin'", "does not exist");
    }

    [Fact]
    public void AFolderInPlaceOfTheDataFileIsReported()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("weights.bin"));
        string path = WriteModel(folder, "weights.bin", "0", "16", withDataFile: false);
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutOfRange, path, () => OnnxModelReader.Load(path), "tensor 'W'");
    }

    [Theory]
    [InlineData("65", "16", "offset 65")]
    [InlineData("56", "16", "offset 56, length 16")]
    [InlineData("0", "4096", "length 4096")]
    [InlineData("9223372036854775807", "16", "offset 9223372036854775807")]
    [InlineData("16", "9223372036854775800", "length 9223372036854775800")]
    public void RangesOutsideTheDataFileAreReported(string offset, string length, string mentioned)
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, "weights.bin", offset, length);
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutOfRange, path, () => OnnxModelReader.Load(path), "tensor 'W'", mentioned, "'weights.bin'");
    }

    [Theory]
    [InlineData("-1", "16", "offset '-1'")]
    [InlineData("abc", "16", "offset 'abc'")]
    [InlineData("0x10", "16", "offset '0x10'")]
    [InlineData("0", "99999999999999999999", "length '99999999999999999999'")]
    [InlineData("0", " 16", "length ' 16'")]
    public void NumbersThatAreNotNonNegativeIntegersAreReported(string offset, string length, string mentioned)
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, "weights.bin", offset, length);
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutOfRange, path, () => OnnxModelReader.Load(path), "tensor 'W'", mentioned);
    }

    [Theory]
    [InlineData("12")]
    [InlineData("20")]
    [InlineData("0")]
    public void ALengthThatDoesNotMatchTheShapeIsReported(string length)
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, "weights.bin", "0", length);
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, path, () => OnnxModelReader.Load(path), "tensor 'W'", $"length {length}", "16 bytes");
    }

    [Fact]
    public void WithoutALengthTheRestOfTheFileMustMatchTheShape()
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, "weights.bin", "8", length: null);
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, path, () => OnnxModelReader.Load(path), "tensor 'W'", "length 56");
    }

    [Fact]
    public void AnExternalTensorWithoutALocationIsReported()
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, location: null, "0", "16");
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, path, () => OnnxModelReader.Load(path), "'W'", "no 'location'");
    }

    [Fact]
    public void AnExternalTensorThatAlsoHoldsInlineDataIsReported()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("weights.bin"), new byte[DataFileLength]);
        var tensor = ProtoModels.ExternalTensor("W", ElementType.Float, [4], "weights.bin", "0", "16");
        tensor.FloatData.Add([1f, 2f, 3f, 4f]);
        string path = ProtoModels.Write(ProtoModels.InitializerModel(tensor), folder.File("model.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, path, () => OnnxModelReader.Load(path), "'W'", "inline data");
    }

    [Fact]
    public void StringTensorsCannotBeExternal()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("weights.bin"), new byte[DataFileLength]);
        // External data holds the raw form, and strings have none (onnx.proto, raw_data):
        // accepted, the writer would turn it into raw_data that no reader accepts.
        var tensor = ProtoModels.ExternalTensor("labels", ElementType.String, [4], "weights.bin", "0", "16");
        string path = ProtoModels.Write(ProtoModels.InitializerModel(tensor), folder.File("model.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, path, () => OnnxModelReader.Load(path), "tensor 'labels'", "STRING", "external data");
    }

    [Fact]
    public void AConstantNodeTensorIsNamedWithItsNode()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("weights.bin"), new byte[DataFileLength]);
        var tensor = ProtoModels.ExternalTensor("C", ElementType.Float, [4], "weights.bin", "60", "16");
        string path = ProtoModels.Write(ProtoModels.ConstantModel(tensor, nodeName: "my_const"), folder.File("model.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.ExternalDataOutOfRange, path, () => OnnxModelReader.Load(path), "tensor 'C'");
    }

    public static TheoryData<string, TensorProto, string> InlineMismatches() => new()
    {
        { "raw-too-short", ProtoModels.RawTensor("W", ElementType.Float, [4], new byte[15]), "15 bytes of raw_data" },
        { "raw-too-long", ProtoModels.RawTensor("W", ElementType.Int4, [3], new byte[3]), "needs 2" },
        { "typed-count", ProtoModels.FloatTensor("W", [4], 1f, 2f, 3f), "holds 3 entries" },
        { "typed-wrong-field", TypedInWrongField(), "holds 0 entries" },
        { "string-raw", ProtoModels.RawTensor("W", ElementType.String, [1], [65]), "raw_data" },
        { "scalar-empty", ProtoModels.FloatTensor("W", []), "holds 0 entries" },
    };

    [Theory]
    [MemberData(nameof(InlineMismatches))]
    public void InlineDataThatDoesNotMatchTheShapeIsReported(string name, TensorProto tensor, string mentioned)
    {
        using var folder = new TempFolder();
        string path = ProtoModels.Write(ProtoModels.InitializerModel(tensor), folder.File(name + ".onnx"));
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, path, () => OnnxModelReader.Load(path), "tensor 'W' (initializer)", mentioned, "re-export");

        string constantPath = ProtoModels.Write(ProtoModels.ConstantModel(tensor, nodeName: "const_w"), folder.File(name + "-constant.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, constantPath, () => OnnxModelReader.Load(constantPath), "tensor 'W'", "node 'const_w' (Constant)");
    }

    [Fact]
    public void ADataFileThatShrinksAfterLoadingIsReportedWhenRead()
    {
        using var folder = new TempFolder();
        string path = WriteModel(folder, "weights.bin", "32", "16");
        using var model = OnnxModelReader.Load(path);
        // Another process rewrote the data file between loading and reading the weights.
        File.WriteAllBytes(folder.File("weights.bin"), new byte[8]);
        var tensor = model.Graph.Initializers.Single().Initializer!;
        var exception = Assert.Throws<ModelOptException>(() => tensor.GetRawData());
        Assert.Equal(DiagnosticCode.ExternalDataOutOfRange, exception.Code);
        Assert.Contains("'weights.bin'", exception.Message, StringComparison.Ordinal);
    }

    private static TensorProto TypedInWrongField()
    {
        var tensor = new TensorProto { Name = "W", DataType = (int)ElementType.Int64 };
        tensor.Dims.Add(2);
        tensor.Int32Data.Add([1, 2]);
        return tensor;
    }

    private static string WriteModel(TempFolder folder, string? location, string? offset, string? length, bool withDataFile = true)
    {
        if (withDataFile)
        {
            var data = new byte[DataFileLength];
            for (int i = 0; i < data.Length; i++) data[i] = (byte)i;
            File.WriteAllBytes(folder.File("weights.bin"), data);
        }
        var tensor = ProtoModels.ExternalTensor("W", ElementType.Float, [4], location, offset, length);
        return ProtoModels.Write(ProtoModels.InitializerModel(tensor), folder.File("model.onnx"));
    }
}
