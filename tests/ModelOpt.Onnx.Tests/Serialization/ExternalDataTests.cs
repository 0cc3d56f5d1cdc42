using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;
using ModelOpt.Onnx.Serialization;

namespace ModelOpt.Onnx.Tests.Serialization;

public sealed class ExternalDataTests
{
    private static readonly ModelSaveOptions AllExternal = new() { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 0 };

    [Fact]
    public void ExternalSaveRunsInOnnxRuntimeExactlyLikeInlineSave()
    {
        using var folder = new TempFolder();
        using var model = SampleModels.Dense();
        string inline = folder.File("inline.onnx");
        string external = folder.File("external.onnx");
        OnnxModelWriter.Save(model, inline, new ModelSaveOptions { ExternalData = ExternalDataMode.Never });
        OnnxModelWriter.Save(model, external, AllExternal);

        Assert.False(File.Exists(inline + ".data"));
        Assert.True(File.Exists(external + ".data"));
        // The weights left the model file: it shrinks to the graph structure.
        Assert.True(new FileInfo(external).Length < 1024);

        float[] input = SampleModels.DenseInput();
        long[] shape = [SampleModels.Batch, SampleModels.InFeatures];
        var expected = OrtRunner.RunByName(inline, new FloatInput("X", input, shape))["Y"];
        var actual = OrtRunner.RunByName(external, new FloatInput("X", input, shape))["Y"];
        Assert.Equal(expected, actual);
        Assert.Contains(expected, v => v != 0);
    }

    [Fact]
    public void AlwaysModeMovesInitializersAndConstantNodeTensorsOut()
    {
        using var folder = new TempFolder();
        using var model = SampleModels.Dense();
        string path = folder.File("model.onnx");
        OnnxModelWriter.Save(model, path, AllExternal);

        var proto = ProtoModels.Read(path);
        var weights = proto.Graph.Initializer.Concat(proto.Graph.Node.SelectMany(n => n.Attribute).Where(a => a.T is not null).Select(a => a.T)).ToArray();
        Assert.Equal(["W", "B", "C"], weights.Select(t => t.Name));
        foreach (var tensor in weights)
        {
            Assert.Equal(TensorProto.Types.DataLocation.External, tensor.DataLocation);
            Assert.False(tensor.HasRawData);
            Assert.Equal("model.onnx.data", tensor.ExternalData.Single(e => e.Key == "location").Value);
        }
    }

    [Fact]
    public void ThresholdKeepsSmallTensorsInline()
    {
        using var folder = new TempFolder();
        using var model = SampleModels.Dense();
        string path = folder.File("model.onnx");
        OnnxModelWriter.Save(model, path, new ModelSaveOptions { ExternalData = ExternalDataMode.Always, ExternalDataThreshold = 1024 });

        var proto = ProtoModels.Read(path);
        var w = proto.Graph.Initializer.Single(t => t.Name == "W");
        var b = proto.Graph.Initializer.Single(t => t.Name == "B");
        var c = proto.Graph.Node.Single(n => n.OpType == "Constant").Attribute.Single().T;
        Assert.Equal(TensorProto.Types.DataLocation.External, w.DataLocation);
        Assert.True(b.HasRawData);
        Assert.True(c.HasRawData);
        // Only W went to the data file, at offset 0, nothing else appended.
        Assert.Equal(SampleModels.InFeatures * SampleModels.OutFeatures * 4, new FileInfo(path + ".data").Length);
    }

    [Fact]
    public void DataFileRangesAreAlignedDisjointAndHoldTheTensorBytes()
    {
        using var folder = new TempFolder();
        using var model = SampleModels.Dense();
        // A few odd-sized tensors so that padding is really needed between entries.
        model.Graph.AddInitializer("odd3", Tensor.FromRawData("odd3", ElementType.UInt8, [3], new byte[] { 1, 2, 3 }));
        model.Graph.AddInitializer("big_after_odd", Tensor.FromFloats("big_after_odd", [20000], SampleModels.Ramp(20000, 1f)));
        model.Graph.AddInitializer("odd5", Tensor.FromRawData("odd5", ElementType.Int4, [9], new byte[] { 0x12, 0x34, 0x56, 0x78, 0x09 }));
        string path = folder.File("model.onnx");
        OnnxModelWriter.Save(model, path, AllExternal);

        byte[] data = File.ReadAllBytes(path + ".data");
        var proto = ProtoModels.Read(path);
        var ranges = new List<(long Offset, long Length)>();
        foreach (var tensor in proto.Graph.Initializer.Concat(proto.Graph.Node.SelectMany(n => n.Attribute).Where(a => a.T is not null).Select(a => a.T)))
        {
            long offset = long.Parse(tensor.ExternalData.Single(e => e.Key == "offset").Value, System.Globalization.CultureInfo.InvariantCulture);
            long length = long.Parse(tensor.ExternalData.Single(e => e.Key == "length").Value, System.Globalization.CultureInfo.InvariantCulture);
            long alignment = length >= 64 * 1024 ? 4096 : 64;
            Assert.True(offset % alignment == 0, $"tensor '{tensor.Name}' at offset {offset} is not {alignment}-aligned");
            Assert.True(offset + length <= data.Length);
            var original = AllTensors(model).Single(t => t.Name == tensor.Name);
            Assert.Equal(original.GetRawData().ToArray(), data.AsSpan((int)offset, (int)length).ToArray());
            ranges.Add((offset, length));
        }
        Assert.Equal(6, ranges.Count);
        var sorted = ranges.OrderBy(r => r.Offset).ToArray();
        for (int i = 1; i < sorted.Length; i++) Assert.True(sorted[i - 1].Offset + sorted[i - 1].Length <= sorted[i].Offset);
    }

    [Fact]
    public void LoadedExternalTensorsPointAtTheDataFileAndReadBack()
    {
        using var folder = new TempFolder();
        using var original = SampleModels.Dense();
        string path = folder.File("model.onnx");
        OnnxModelWriter.Save(original, path, AllExternal);

        using var loaded = OnnxModelReader.Load(path);
        var w = loaded.Graph.Initializers.Single(v => v.Name == "W").Initializer!;
        Assert.True(w.IsExternal);
        Assert.Equal("model.onnx.data", w.External!.Location);
        Assert.Equal(Path.GetFullPath(path + ".data"), w.External.FullPath);
        Assert.Equal(w.ByteLength, w.External.Length);
        Assert.Equal(original.Graph.Initializers.Single(v => v.Name == "W").Initializer!.ToFloatArray(), w.ToFloatArray());

        var c = loaded.Graph.Nodes.Single(n => n.OpType == "Constant").GetAttribute("value")!.Tensor!;
        Assert.True(c.IsExternal);
        Assert.Equal(SampleModels.Ramp(SampleModels.OutFeatures, -0.25f), c.ToFloatArray());
    }

    [Fact]
    public void AutoModeKeepsTheSourceLayout()
    {
        using var folder = new TempFolder();
        using var inMemory = SampleModels.Dense();
        string inlinePath = folder.File("auto-inline.onnx");
        OnnxModelWriter.Save(inMemory, inlinePath);
        Assert.False(File.Exists(inlinePath + ".data"));

        string externalPath = folder.File("external.onnx");
        OnnxModelWriter.Save(inMemory, externalPath, AllExternal);
        using var loaded = OnnxModelReader.Load(externalPath);
        string resaved = folder.File("auto-external.onnx");
        OnnxModelWriter.Save(loaded, resaved, new ModelSaveOptions { ExternalData = ExternalDataMode.Auto, ExternalDataThreshold = 0 });
        Assert.True(File.Exists(resaved + ".data"));
        Assert.Equal(File.ReadAllBytes(externalPath + ".data"), File.ReadAllBytes(resaved + ".data"));
    }

    [Fact]
    public void NeverModeBringsExternalDataBackInline()
    {
        using var folder = new TempFolder();
        using var original = SampleModels.Dense();
        string externalPath = folder.File("external.onnx");
        OnnxModelWriter.Save(original, externalPath, AllExternal);

        string inlinePath = Path.Combine(folder.Path, "elsewhere", "inline.onnx");
        using (var loaded = OnnxModelReader.Load(externalPath))
        {
            OnnxModelWriter.Save(loaded, inlinePath, new ModelSaveOptions { ExternalData = ExternalDataMode.Never });
        }
        Assert.False(File.Exists(inlinePath + ".data"));
        // The inline copy no longer needs the data file.
        File.Delete(externalPath + ".data");

        Assert.Equal(OnnxModelWriter.ToBytes(original), File.ReadAllBytes(inlinePath));
        using var reloaded = OnnxModelReader.Load(inlinePath);
        Assert.All(AllTensors(reloaded), t => Assert.False(t.IsExternal));
    }

    [Fact]
    public void SavingOverTheSourceFilesKeepsTheLoadedWeights()
    {
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        float[] expected;
        using (var original = SampleModels.Dense())
        {
            expected = original.Graph.Initializers.Single(v => v.Name == "W").Initializer!.ToFloatArray();
            OnnxModelWriter.Save(original, path, AllExternal);
        }

        using var model = OnnxModelReader.Load(path);
        // A new first tensor moves every later one in the rewritten data file.
        model.Graph.Initializers.Insert(0, new Value("A") { Initializer = Tensor.FromFloats("A", [100], SampleModels.Ramp(100, 3f)) });
        OnnxModelWriter.Save(model, path, AllExternal);

        var w = model.Graph.Initializers.Single(v => v.Name == "W").Initializer!;
        Assert.Equal(expected, w.ToFloatArray());
    }

    [Fact]
    public void CustomDataFileNameIsUsedAsTheLocation()
    {
        using var folder = new TempFolder();
        using var model = SampleModels.Dense();
        string path = folder.File("model.onnx");
        OnnxModelWriter.Save(model, path, AllExternal with { ExternalDataFileName = "weights.bin" });

        Assert.True(File.Exists(folder.File("weights.bin")));
        Assert.False(File.Exists(path + ".data"));
        using var loaded = OnnxModelReader.Load(path);
        Assert.All(AllTensors(loaded), t => Assert.Equal("weights.bin", t.External!.Location));
    }

    [Fact]
    public void ReadsDataFromASubfolderWithDefaultOffsetAndLength()
    {
        using var folder = new TempFolder();
        float[] values = [1.5f, -2f, 3.25f, 0f];
        Directory.CreateDirectory(folder.File("weights"));
        File.WriteAllBytes(folder.File("weights/w.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        // No offset (0) and no length (to the end of the file), as onnx.proto allows.
        var tensor = ProtoModels.ExternalTensor("W", ElementType.Float, [2, 2], "weights/w.bin");
        string path = ProtoModels.Write(ProtoModels.InitializerModel(tensor), folder.File("model.onnx"));

        using var model = OnnxModelReader.Load(path);
        var w = model.Graph.Initializers.Single().Initializer!;
        Assert.Equal(0, w.External!.Offset);
        Assert.Equal(16, w.External.Length);
        Assert.Equal(values, w.ToFloatArray());
    }

    private static IEnumerable<Tensor> AllTensors(OnnxModel model)
        => model.Graph.Initializers.Select(v => v.Initializer!)
            .Concat(model.Graph.Nodes.SelectMany(n => n.Attributes).Where(a => a.Tensor is not null).Select(a => a.Tensor!));
}
