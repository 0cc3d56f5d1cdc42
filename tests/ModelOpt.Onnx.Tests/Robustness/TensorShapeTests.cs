using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Onnx.Tests.Serialization;

namespace ModelOpt.Onnx.Tests.Robustness;

/// <summary>
/// Declared shapes are checked before anything is sized from them, so that a few corrupt
/// bytes cannot make the tool allocate terabytes or overflow a length (MOPT0005).
/// </summary>
public sealed class TensorShapeTests
{
    [Theory]
    [InlineData(new long[] { -1 }, "negative dimension -1")]
    [InlineData(new long[] { 4, -3 }, "negative dimension -3")]
    [InlineData(new long[] { long.MinValue }, "negative dimension")]
    [InlineData(new long[] { 1L << 32, 1L << 32 }, "more than the limit")]
    [InlineData(new long[] { 1L << 21, 1L << 21, 1L << 21 }, "more than the limit")]
    [InlineData(new long[] { long.MaxValue, 2 }, "more than the limit")]
    [InlineData(new long[] { (1L << 40) + 1 }, "more than the limit")]
    public void InitializerShapesThatCannotExistAreRejected(long[] dims, string mentioned)
    {
        using var folder = new TempFolder();
        string path = ProtoModels.Write(ProtoModels.InitializerModel(ProtoModels.FloatTensor("W", dims, 1f)), folder.File("model.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.InvalidTensorShape, path, () => OnnxModelReader.Load(path), "tensor 'W' (initializer)", mentioned);
    }

    [Fact]
    public void ConstantNodeShapesAreCheckedAndNameTheNode()
    {
        using var folder = new TempFolder();
        string path = ProtoModels.Write(ProtoModels.ConstantModel(ProtoModels.FloatTensor("C", [2, -2], 1f), nodeName: "bad_const"), folder.File("model.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.InvalidTensorShape, path, () => OnnxModelReader.Load(path),
            "tensor 'C'", "attribute 'value' of node 'bad_const' (Constant)", "negative dimension -2");
    }

    [Fact]
    public void SparseTensorShapesAreChecked()
    {
        using var folder = new TempFolder();
        var model = SparseTensorTests.SparseModelProto();
        model.Graph.SparseInitializer[0].Dims[1] = -4;
        string path = ProtoModels.Write(model, folder.File("dense-dims.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.InvalidTensorShape, path, () => OnnxModelReader.Load(path), "sparse tensor 'S'", "negative dimension -4");

        model = SparseTensorTests.SparseModelProto();
        model.Graph.SparseInitializer[0].Values.Dims[0] = 1L << 50;
        path = ProtoModels.Write(model, folder.File("values-dims.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.InvalidTensorShape, path, () => OnnxModelReader.Load(path), "tensor 'S' (sparse initializer)");
    }

    [Fact]
    public void TheElementLimitIsAnOption()
    {
        using var folder = new TempFolder();
        var options = new ModelLoadOptions { MaxTensorElements = 1000 };
        string atLimit = ProtoModels.Write(ProtoModels.InitializerModel(ProtoModels.RawTensor("W", ElementType.UInt8, [10, 100], new byte[1000])), folder.File("ok.onnx"));
        OnnxModelReader.Load(atLimit, options).Dispose();

        string above = ProtoModels.Write(ProtoModels.InitializerModel(ProtoModels.RawTensor("W", ElementType.UInt8, [11, 100], new byte[1100])), folder.File("above.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.InvalidTensorShape, above, () => OnnxModelReader.Load(above, options), "tensor 'W'", "limit of 1000 elements");
    }

    [Theory]
    [InlineData(ElementType.Float, new long[] { 1L << 62 })]
    [InlineData(ElementType.Complex128, new long[] { 1L << 60 })]
    [InlineData(ElementType.Int4, new long[] { long.MaxValue })]
    [InlineData(ElementType.Double, new long[] { 1L << 31, 1L << 31 })]
    public void ByteSizesThatOverflowAreRejectedEvenWithoutAnElementLimit(ElementType type, long[] dims)
    {
        using var folder = new TempFolder();
        var options = new ModelLoadOptions { MaxTensorElements = long.MaxValue };
        var tensor = new TensorProto { Name = "W", DataType = (int)type };
        tensor.Dims.Add(dims);
        string path = ProtoModels.Write(ProtoModels.InitializerModel(tensor), folder.File("model.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.InvalidTensorShape, path, () => OnnxModelReader.Load(path, options), "tensor 'W'");
    }

    [Fact]
    public void AHugeDeclaredShapeWithLittleDataFailsWithoutAllocating()
    {
        using var folder = new TempFolder();
        // 2^40 floats (4 TiB) declared, one float stored: the mismatch is found by counting.
        string inline = ProtoModels.Write(ProtoModels.InitializerModel(ProtoModels.FloatTensor("W", [1L << 40], 1f)), folder.File("inline.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, inline, () => OnnxModelReader.Load(inline), "tensor 'W'", "needs 1099511627776");

        File.WriteAllBytes(folder.File("w.bin"), new byte[16]);
        var external = ProtoModels.ExternalTensor("W", ElementType.Float, [1L << 40], "w.bin");
        string externalPath = ProtoModels.Write(ProtoModels.InitializerModel(external), folder.File("external.onnx"));
        ModelOptAssert.Throws(DiagnosticCode.TensorDataMismatch, externalPath, () => OnnxModelReader.Load(externalPath), "tensor 'W'", "4398046511104 bytes");
    }

    [Fact]
    public void ZeroSizedDimensionsAreValid()
    {
        using var folder = new TempFolder();
        // A zero anywhere makes the count 0, whatever the other dims; but each dim is still bounded.
        string path = ProtoModels.Write(ProtoModels.InitializerModel(ProtoModels.RawTensor("W", ElementType.Float, [0, 1L << 30], [])), folder.File("model.onnx"));
        using var model = OnnxModelReader.Load(path);
        var tensor = model.Graph.Initializers.Single().Initializer!;
        Assert.Equal(0, tensor.ElementCount);
        Assert.Equal(0, tensor.GetRawData().Length);
    }
}
