using System.Runtime.InteropServices;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Core.Tests.Data;

/// <summary>Data folders of images and text: decoding, resizing, normalization, layout, tokenization, and the errors of each.</summary>
public sealed class NaturalSampleTests
{
    private static readonly SampleDataOptions Raw224 = new() { ImageSize = new ImageSize(224, 224), ImageScale = 1 };

    [Fact]
    public void PhotosBecomePlanarRgbCropsAsImageSharpMakesThem()
    {
        var samples = SampleSet.FromFolder(TestData.ImagesFolder, "CalibrationData", SamplePurpose.Calibration, new SampleReadContext(Raw224, [])).Samples().ToArray();
        var expected = PhotoCrops.Load(TestData.ImagesFolder, 224).Where(p => p.Name != "synthetic").ToArray();

        Assert.Equal(expected.Select(e => e.Name), samples.Select(s => s.Name));
        for (int i = 0; i < samples.Length; i++)
        {
            var tensor = Assert.Single(samples[i].Tensors);
            Assert.Equal([1L, 3, 224, 224], tensor.Shape);
            Assert.Equal(expected[i].Pixels, MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray());
        }
    }

    [Fact]
    public void ScaleMeanStdOrderAndLayoutFollowTheOptionsAndTheInput()
    {
        string photo = Path.Combine(TestData.ImagesFolder, "coffee.png");
        float[] raw = Floats(Read(photo, Raw224 with { ImageSize = new ImageSize(32, 16), ImageResize = ImageResizeMode.Stretch }, []));
        const int pixels = 32 * 16;

        // NHWC from the input's shape, BGR, scaled, normalized per channel; the alpha of an RGBA input is opaque.
        var options = Raw224 with
        {
            ImageSize = null, ImageResize = ImageResizeMode.Stretch, ImageScale = 255, ChannelOrder = ChannelOrder.BGR,
            ImageMean = [0.5f, 0.25f, 0.125f], ImageStd = [2f, 4f, 8f],
        };
        var tensor = Read(photo, options, [Input("image", ElementType.Float, new(1, null), new(16, null), new(32, null), new(4, null))]);
        Assert.Equal("image", tensor.Name);
        Assert.Equal([1L, 16, 32, 4], tensor.Shape);
        float[] nhwc = Floats(tensor);
        float[] means = [0.5f, 0.25f, 0.125f], stds = [2f, 4f, 8f];
        for (int p = 0; p < pixels; p += 37)
        {
            for (int c = 0; c < 3; c++)
            {
                float source = raw[((2 - c) * pixels) + p]; // BGR: channel 0 is blue
                Assert.Equal(((source / 255f) - means[c]) / stds[c], nhwc[(p * 4) + c]);
            }
            Assert.Equal(1f, nhwc[(p * 4) + 3]);
        }
    }

    [Fact]
    public void ASymbolicImageInputWithoutImageSizeIsAClearError()
    {
        var input = Input("pixel_values", ElementType.Float, new(null, "batch"), new(3, null), new(null, "height"), new(null, "width"));
        var error = Assert.Throws<ModelOptException>(() => Read(Path.Combine(TestData.ImagesFolder, "brick.png"), new SampleDataOptions(), [input]));
        Assert.Equal(DiagnosticCode.CalibrationDataInvalid, error.Code);
        Assert.Contains("brick.png", error.Message);
        Assert.Contains("ImageSize", error.Message);
    }

    [Fact]
    public void ACorruptImageIsAClearError()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5]);
        File.WriteAllText(folder.File("notes.png"), "not an image");
        foreach (string name in new[] { "broken.jpg", "notes.png" })
        {
            var error = Assert.Throws<ModelOptException>(() => Read(folder.File(name), Raw224, []));
            Assert.Equal(DiagnosticCode.CalibrationDataInvalid, error.Code);
            Assert.Contains(name, error.Message);
            Assert.Contains("cannot be decoded", error.Message);
        }
    }

    [Fact]
    public void TextLinesAreTokenizedAsUncasedBertWordPiece()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("sentences.txt"), "The cat sat on the mat.\n\n  Café EMBEDDING!  \r\n");
        var context = new SampleReadContext(new SampleDataOptions { Vocabulary = ArcticXs.VocabularyPath }, []);
        var samples = SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration, context).Samples().ToArray();

        // Ids are line numbers (from 0) of the model's vocab.txt: [CLS]=101, [SEP]=102, "the"=1996, …;
        // "café" loses its accent, "embedding" is em ##bed ##ding.
        Assert.Equal(["sentences.txt:1", "sentences.txt:3"], samples.Select(s => s.Name));
        Assert.Equal([101L, 1996, 4937, 2938, 2006, 1996, 13523, 1012, 102], Longs(samples[0], "input_ids"));
        Assert.Equal([101L, 7668, 7861, 8270, 4667, 999, 102], Longs(samples[1], "input_ids"));
        Assert.Equal(Enumerable.Repeat(1L, 7), Longs(samples[1], "attention_mask"));
        Assert.Equal(Enumerable.Repeat(0L, 7), Longs(samples[1], "token_type_ids"));
        Assert.All(samples[1].Tensors, t => Assert.Equal([1L, 7], t.Shape));
    }

    [Fact]
    public void TextIsPaddedToAFixedSequenceLengthAndCutToMaxSequenceLength()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("a.txt"), "the quick brown fox jumps over the lazy dog");
        Value[] fixedInputs = [Input("input_ids", ElementType.Int32, new(1, null), new(12, null)), Input("attention_mask", ElementType.Int32, new(1, null), new(12, null))];
        var options = new SampleDataOptions { Vocabulary = ArcticXs.VocabularyPath, MaxSequenceLength = 5 };

        var padded = Assert.Single(SampleSet.FromFolder(folder.Path, "ValidationData", SamplePurpose.Validation, new SampleReadContext(options, fixedInputs)).Samples());
        Assert.Equal(["input_ids", "attention_mask"], padded.Tensors.Select(t => t.Name));
        Assert.Equal(ElementType.Int32, padded.Tensors[0].ElementType);
        Assert.Equal([101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102, 0], MemoryMarshal.Cast<byte, int>(padded.Tensors[0].Data.Span).ToArray());
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], MemoryMarshal.Cast<byte, int>(padded.Tensors[1].Data.Span).ToArray());

        Value[] symbolic = [Input("input_ids", ElementType.Int64, new(null, "batch"), new(null, "sequence"))];
        var cut = Assert.Single(SampleSet.FromFolder(folder.Path, "ValidationData", SamplePurpose.Validation, new SampleReadContext(options, symbolic)).Samples());
        Assert.Equal([101L, 1996, 4248, 2829, 102], Longs(cut, "input_ids"));
    }

    [Fact]
    public void TextWithoutAUsableVocabularyIsAClearError()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("lines.txt"), "hello world");
        var missing = Assert.Throws<ModelOptException>(() => SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Samples().ToArray());
        Assert.Equal(DiagnosticCode.CalibrationDataInvalid, missing.Code);
        Assert.Contains("lines.txt", missing.Message);
        Assert.Contains("Vocabulary", missing.Message);

        var context = new SampleReadContext(new SampleDataOptions { Vocabulary = folder.File("vocab.txt") }, []);
        var absent = Assert.Throws<ModelOptException>(() => SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration, context).Samples().ToArray());
        Assert.Equal(DiagnosticCode.FileNotReadable, absent.Code);
        Assert.Contains("vocab.txt", absent.Message);
    }

    private static SampleTensor Read(string path, SampleDataOptions options, Value[] inputs)
    {
        using var folder = new TempFolder();
        File.Copy(path, folder.File(Path.GetFileName(path)));
        return Assert.Single(Assert.Single(SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration, new SampleReadContext(options, inputs)).Samples()).Tensors);
    }

    private static float[] Floats(SampleTensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray();

    private static long[] Longs(Sample sample, string input)
        => MemoryMarshal.Cast<byte, long>(sample.Tensors.Single(t => t.Name == input).Data.Span).ToArray();

    private static Value Input(string name, ElementType type, params Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim.Size is { } size ? new TensorShapeProto.Types.Dimension { DimValue = size } : new TensorShapeProto.Types.Dimension { DimParam = dim.Symbol });
        }
        return new Value(name, new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } });
    }
}
