using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Serialization;

/// <summary>
/// Every element type, in raw and in typed form, as onnx.proto describes the typed fields:
/// 16-bit floats as their bit patterns in int32_data, float8 one per entry, 4-bit types two
/// per int32_data entry (low nibble first), uint32 in uint64_data, complex as pairs.
/// </summary>
public sealed class ElementTypeTests
{
    public static TheoryData<ElementType> RawTypes()
    {
        var data = new TheoryData<ElementType>();
        foreach (var type in Enum.GetValues<ElementType>().Where(ElementTypes.HasRawForm)) data.Add(type);
        return data;
    }

    [Theory]
    [MemberData(nameof(RawTypes))]
    public void RawDataOfEveryTypeSurvivesLoadSaveInlineAndExternal(ElementType type)
    {
        using var folder = new TempFolder();
        // Five elements: an odd count, so the packed sub-byte types end in a half-used byte.
        long[] dims = [5];
        var raw = new byte[ElementTypes.ByteCount(type, 5)];
        for (int i = 0; i < raw.Length; i++) raw[i] = (byte)(0x81 + 37 * i);
        if (ElementTypes.BitWidth(type) < 8) raw[^1] &= (byte)((1 << (5 * ElementTypes.BitWidth(type) % 8)) - 1);
        string path = ProtoModels.Write(ProtoModels.InitializerModel(ProtoModels.RawTensor("T", type, dims, raw)), folder.File("model.onnx"));

        using var model = OnnxModelReader.Load(path);
        var tensor = model.Graph.Initializers.Single().Initializer!;
        Assert.Equal(type, tensor.ElementType);
        Assert.Equal(5, tensor.ElementCount);
        Assert.Equal(raw.Length, tensor.ByteLength);
        Assert.Equal(raw, tensor.GetRawData().ToArray());

        foreach (var mode in new[] { ExternalDataMode.Never, ExternalDataMode.Always })
        {
            string saved = folder.File($"saved-{mode}.onnx");
            OnnxModelWriter.Save(model, saved, new ModelSaveOptions { ExternalData = mode, ExternalDataThreshold = 0 });
            using var reloaded = OnnxModelReader.Load(saved);
            var again = reloaded.Graph.Initializers.Single().Initializer!;
            Assert.Equal(mode == ExternalDataMode.Always, again.IsExternal);
            Assert.Equal(type, again.ElementType);
            Assert.Equal(raw, again.GetRawData().ToArray());
        }
    }

    public static TheoryData<ElementType, long[], Action<TensorProto>, byte[]> TypedForms() => new()
    {
        { ElementType.Float, [2], t => t.FloatData.Add([1f, -2f]), [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0] },
        { ElementType.Complex64, [1], t => t.FloatData.Add([1f, -2f]), [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0] },
        { ElementType.Double, [1], t => t.DoubleData.Add(1.5), [0, 0, 0, 0, 0, 0, 0xF8, 0x3F] },
        { ElementType.Complex128, [1], t => t.DoubleData.Add([1.5, 0]), [0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0] },
        { ElementType.Int64, [1], t => t.Int64Data.Add(-2), [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] },
        { ElementType.UInt64, [1], t => t.Uint64Data.Add(ulong.MaxValue - 1), [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] },
        { ElementType.UInt32, [2], t => t.Uint64Data.Add([uint.MaxValue, 1]), [0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00] },
        { ElementType.Int32, [2], t => t.Int32Data.Add([-1, 258]), [0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x00, 0x00] },
        { ElementType.Int16, [2], t => t.Int32Data.Add([-2, 300]), [0xFE, 0xFF, 0x2C, 0x01] },
        { ElementType.UInt16, [1], t => t.Int32Data.Add(65535), [0xFF, 0xFF] },
        { ElementType.Int8, [2], t => t.Int32Data.Add([-3, 5]), [0xFD, 0x05] },
        { ElementType.UInt8, [2], t => t.Int32Data.Add([255, 0]), [0xFF, 0x00] },
        { ElementType.Bool, [3], t => t.Int32Data.Add([1, 0, 1]), [0x01, 0x00, 0x01] },
        // float16 1.0 and -2.0; bfloat16 1.0 and -2.0: the bit patterns in the low 16 bits.
        { ElementType.Float16, [2], t => t.Int32Data.Add([0x3C00, 0xC000]), [0x00, 0x3C, 0x00, 0xC0] },
        { ElementType.BFloat16, [2], t => t.Int32Data.Add([0x3F80, 0xC000]), [0x80, 0x3F, 0x00, 0xC0] },
        { ElementType.Float8E4M3FN, [2], t => t.Int32Data.Add([0x38, 0xC0]), [0x38, 0xC0] },
        { ElementType.Float8E4M3FNUZ, [2], t => t.Int32Data.Add([0x40, 0x7F]), [0x40, 0x7F] },
        { ElementType.Float8E5M2, [2], t => t.Int32Data.Add([0x3C, 0xFC]), [0x3C, 0xFC] },
        { ElementType.Float8E5M2FNUZ, [1], t => t.Int32Data.Add(0x40), [0x40] },
        { ElementType.Float8E8M0, [1], t => t.Int32Data.Add(0x7F), [0x7F] },
        // Three 4-bit elements (1, 2, 3 / -1, 2, -8): two bytes, first element in the low nibble.
        { ElementType.UInt4, [3], t => t.Int32Data.Add([0x21, 0x03]), [0x21, 0x03] },
        { ElementType.Int4, [3], t => t.Int32Data.Add([0x2F, 0x08]), [0x2F, 0x08] },
        { ElementType.Float4E2M1, [2], t => t.Int32Data.Add(0x72), [0x72] },
        // Five 2-bit elements: four per byte.
        { ElementType.UInt2, [5], t => t.Int32Data.Add([0xE4, 0x03]), [0xE4, 0x03] },
        { ElementType.Int2, [4], t => t.Int32Data.Add(0x1B), [0x1B] },
    };

    [Theory]
    [MemberData(nameof(TypedForms))]
    public void TypedFieldsConvertToTheRawForm(ElementType type, long[] dims, Action<TensorProto> fill, byte[] expectedRaw)
    {
        using var folder = new TempFolder();
        var proto = new TensorProto { Name = "T", DataType = (int)type };
        proto.Dims.Add(dims);
        fill(proto);
        string path = ProtoModels.Write(ProtoModels.InitializerModel(proto), folder.File("typed.onnx"));

        using var model = OnnxModelReader.Load(path);
        var tensor = model.Graph.Initializers.Single().Initializer!;
        Assert.Equal(expectedRaw.Length, tensor.ByteLength);
        Assert.Equal(expectedRaw, tensor.GetRawData().ToArray());

        // Inline saving keeps the typed field as it was; external saving writes the raw form.
        string inline = folder.File("inline.onnx");
        OnnxModelWriter.Save(model, inline, new ModelSaveOptions { ExternalData = ExternalDataMode.Never });
        Assert.Equal(proto, ProtoModels.Read(inline).Graph.Initializer.Single());
        string external = folder.File("external.onnx");
        OnnxModelWriter.Save(model, external, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });
        Assert.Equal(expectedRaw, File.ReadAllBytes(external + ".data"));
        using var reloaded = OnnxModelReader.Load(external);
        Assert.Equal(expectedRaw, reloaded.Graph.Initializers.Single().Initializer!.GetRawData().ToArray());
    }

    [Fact]
    public void StringTensorsStayInlineAndIntact()
    {
        using var folder = new TempFolder();
        var proto = new TensorProto { Name = "labels", DataType = (int)ElementType.String };
        proto.Dims.Add(2);
        proto.StringData.Add([Google.Protobuf.ByteString.CopyFromUtf8("cat"), Google.Protobuf.ByteString.CopyFromUtf8("naïve")]);
        string path = ProtoModels.Write(ProtoModels.InitializerModel(proto), folder.File("strings.onnx"));

        using var model = OnnxModelReader.Load(path);
        var tensor = model.Graph.Initializers.Single().Initializer!;
        Assert.Equal(0, tensor.ByteLength);
        Assert.False(ElementTypes.HasRawForm(tensor.ElementType));
        Assert.Throws<InvalidOperationException>(() => tensor.GetRawData());

        string saved = folder.File("saved.onnx");
        OnnxModelWriter.Save(model, saved, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });
        Assert.False(File.Exists(saved + ".data") && new FileInfo(saved + ".data").Length > 0);
        Assert.Equal(proto, ProtoModels.Read(saved).Graph.Initializer.Single());
    }

    [Fact]
    public void UnknownFutureElementTypesAreCarriedThrough()
    {
        using var folder = new TempFolder();
        // 99 is no ONNX type today; a newer exporter may use it, and the model must still round-trip.
        var proto = new TensorProto { Name = "future", DataType = 99, RawData = Google.Protobuf.ByteString.CopyFrom(1, 2, 3) };
        proto.Dims.Add(7);
        string path = ProtoModels.Write(ProtoModels.InitializerModel(proto), folder.File("future.onnx"));

        using var model = OnnxModelReader.Load(path);
        Assert.Equal("99", ElementTypes.OnnxName(model.Graph.Initializers.Single().Initializer!.ElementType));
        string saved = folder.File("saved.onnx");
        OnnxModelWriter.Save(model, saved, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 });
        Assert.Equal(proto, ProtoModels.Read(saved).Graph.Initializer.Single());
    }
}
