using System.Runtime.InteropServices;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Protos;

namespace ModelOpt.Core.Tests.Data;

/// <summary>Sample folders (the layout, both file kinds, the diagnostics of each purpose) and the generator's random sequence.</summary>
public sealed class SampleSetTests
{
    [Fact]
    public void SplitMix64MatchesTheReferenceSequence()
    {
        // The published test vector of SplitMix64 for seed 1234567.
        var random = new SplitMix64(1234567);
        Assert.Equal(6457827717110365317UL, random.Next());
        Assert.Equal(3203168211198807973UL, random.Next());
        Assert.Equal(9817491932198370423UL, random.Next());
    }

    [Fact]
    public void OnnxTestDataSetLayoutGivesOneSamplePerFolderInNumericOrder()
    {
        using var folder = new TempFolder();
        for (int i = 0; i < 12; i++)
        {
            string sample = Directory.CreateDirectory(Path.Combine(folder.Path, $"test_data_set_{i}")).FullName;
            SampleFiles.PbFloats(Path.Combine(sample, "input_0.pb"), "x", [1, 2], [i, i + 0.5f]);
            SampleFiles.PbFloats(Path.Combine(sample, "input_1.pb"), "y", [1, 3], [-i, 1, 2], typedField: true);
            SampleFiles.PbFloats(Path.Combine(sample, "output_0.pb"), "z", [1], [0]);
        }

        var samples = SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Samples().ToArray();

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"test_data_set_{i}"), samples.Select(s => s.Name));
        var tenth = samples[10];
        Assert.Equal(["x", "y"], tenth.Tensors.Select(t => t.Name));
        Assert.Equal([1L, 2], tenth.Tensors[0].Shape);
        Assert.Equal([10f, 10.5f], Floats(tenth.Tensors[0]));
        Assert.Equal([-10f, 1f, 2f], Floats(tenth.Tensors[1]));
    }

    [Fact]
    public void FlatFilesAreOneSampleEachAndNpyFileNamesBindByName()
    {
        using var folder = new TempFolder();
        SampleFiles.NpyFloats(folder.File("b.npy"), [2, 2], [1, 2, 3, 4]);
        SampleFiles.PbFloats(folder.File("a.pb"), "", [4], [5, 6, 7, 8]);
        File.WriteAllText(folder.File("notes.md"), "ignored");

        var samples = SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Samples().ToArray();

        Assert.Equal(["a.pb", "b.npy"], samples.Select(s => s.Name));
        Assert.Null(samples[0].Tensors[0].Name);
        Assert.Equal("b", samples[1].Tensors[0].Name);
        Assert.Equal([1f, 2f, 3f, 4f], Floats(samples[1].Tensors[0]));
    }

    [Theory]
    [InlineData("<f4", ElementType.Float, 4, 1)]
    [InlineData("<f8", ElementType.Double, 8, 1)]
    [InlineData("<i8", ElementType.Int64, 8, 2)]
    [InlineData("<i4", ElementType.Int32, 4, 3)]
    [InlineData("|u1", ElementType.UInt8, 1, 1)]
    [InlineData("|i1", ElementType.Int8, 1, 2)]
    [InlineData("|b1", ElementType.Bool, 1, 1)]
    [InlineData("<f2", ElementType.Float16, 2, 1)]
    public void NpyDtypesAndVersionsAreRead(string descr, ElementType type, int size, int version)
    {
        using var folder = new TempFolder();
        var data = Enumerable.Range(0, 6 * size).Select(i => (byte)(i % 2)).ToArray();
        SampleFiles.Npy(folder.File("t.npy"), descr, [2, 3], data, version);

        var tensor = Assert.Single(Assert.Single(SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Samples()).Tensors);

        Assert.Equal(type, tensor.ElementType);
        Assert.Equal([2L, 3], tensor.Shape);
        Assert.Equal(data, tensor.Data.ToArray());
    }

    [Fact]
    public void NpyScalarsAndOneDimensionalFortranArraysAreRead()
    {
        using var folder = new TempFolder();
        SampleFiles.Npy(folder.File("a.npy"), "<f4", [], BitConverter.GetBytes(2.5f));
        SampleFiles.Npy(folder.File("b.npy"), "<f4", [2], MemoryMarshal.AsBytes<float>([1f, 2f]), fortranOrder: true);

        var samples = SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Samples().ToArray();

        Assert.Empty(samples[0].Tensors[0].Shape);
        Assert.Equal([2.5f], Floats(samples[0].Tensors[0]));
        Assert.Equal([1f, 2f], Floats(samples[1].Tensors[0]));
    }

    [Theory]
    [InlineData("magic", "magic string")]
    [InlineData("fortran", "Fortran")]
    [InlineData("big-endian", "big-endian")]
    [InlineData("dtype", "dtype '<c8'")]
    [InlineData("truncated", "data bytes")]
    [InlineData("header", "malformed")]
    public void BrokenNpyFilesAreDiagnosed(string defect, string expected)
    {
        using var folder = new TempFolder();
        string path = folder.File("x.npy");
        var six = new byte[24];
        switch (defect)
        {
            case "magic": File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]); break;
            case "fortran": SampleFiles.Npy(path, "<f4", [2, 3], six, fortranOrder: true); break;
            case "big-endian": SampleFiles.Npy(path, ">f4", [2, 3], six); break;
            case "dtype": SampleFiles.Npy(path, "<c8", [3], six); break;
            case "truncated": SampleFiles.Npy(path, "<f4", [2, 3], six.AsSpan(0, 20)); break;
            case "header": SampleFiles.Npy(path, "<f4', 'shape': (2 x", [2], six); break;
        }

        var error = Assert.Throws<ModelOptException>(() => SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Samples().ToArray());

        Assert.Equal(DiagnosticCode.CalibrationDataInvalid, error.Code);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokenTensorProtoFilesAreDiagnosed()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("a.pb"), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        var wrongCount = new TensorProto { Name = "x", DataType = (int)ElementType.Float };
        wrongCount.Dims.Add([2, 2]);
        wrongCount.FloatData.Add([1f, 2f, 3f]);
        SampleFiles.Pb(folder.File("b.pb"), wrongCount);

        var samples = SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Samples().GetEnumerator();
        var corrupt = Assert.Throws<ModelOptException>(() => samples.MoveNext());
        Assert.Equal(DiagnosticCode.CalibrationDataInvalid, corrupt.Code);
        Assert.Contains("not a serialized ONNX TensorProto", corrupt.Message, StringComparison.Ordinal);

        File.Delete(folder.File("a.pb"));
        var mismatch = Assert.Throws<ModelOptException>(() => SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Samples().First());
        Assert.Contains("holds 3 entries of data; FLOAT[2,2] needs 4", mismatch.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SamplePurpose.Calibration, "CalibrationData", DiagnosticCode.CalibrationDataMissing)]
    [InlineData(SamplePurpose.Validation, "ValidationData", DiagnosticCode.ValidationInputsInvalid)]
    public void MissingOrEmptyFoldersAreDiagnosedForTheirPurpose(SamplePurpose purpose, string option, string code)
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("readme.md"), "no samples here");

        var missing = Assert.Throws<ModelOptException>(() => SampleSet.FromFolder(folder.File("nothing"), option, purpose));
        var empty = Assert.Throws<ModelOptException>(() => SampleSet.FromFolder(folder.Path, option, purpose));

        Assert.Equal(code, missing.Code);
        Assert.Contains($"{option} folder", missing.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Equal(code, empty.Code);
        Assert.Contains("holds no .pb or .npy files, nor .png, .jpg, .jpeg, .bmp or .txt files", empty.Message, StringComparison.Ordinal);
        // Only validation can do without the folder (it generates inputs), so only it says so.
        Assert.Equal(purpose == SamplePurpose.Validation, empty.Message.Contains("generated inputs", StringComparison.Ordinal));
    }

    [Fact]
    public void AFolderIsDescribedByItsOptionAndPath()
    {
        using var folder = new TempFolder();
        SampleFiles.NpyFloats(folder.File("a.npy"), [1], [1]);
        Assert.Equal("CalibrationData folder " + folder.Path, SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Calibration).Description);
        Assert.Equal("in-memory samples", SampleSet.FromSamples([]).Description);
    }

    [Fact]
    public void TensorsBindByNameFirstThenByPosition()
    {
        var model = TwoInputModel();
        var inputs = new SampleBinding(model);
        var y = SampleTensor.FromFloats("y", [1, 3], [1, 2, 3]);
        var unnamed = SampleTensor.FromFloats(null, [2, 4], new float[8]);

        var bound = inputs.Bind(new Sample("s", [y, unnamed]));

        Assert.Same(unnamed, bound[0]);
        Assert.Same(y, bound[1]);
    }

    [Fact]
    public void MissingOrExtraTensorsAreDiagnosed()
    {
        var inputs = new SampleBinding(TwoInputModel());
        var x = SampleTensor.FromFloats("x", [2, 4], new float[8]);

        var missing = Assert.Throws<ModelOptException>(() => inputs.Bind(new Sample("s1", [x])));
        var extra = Assert.Throws<ModelOptException>(() => inputs.Bind(new Sample("s2",
            [x, SampleTensor.FromFloats(null, [1, 3], new float[3]), SampleTensor.FromFloats(null, [1], [0], "extra.npy")])));

        Assert.Equal(DiagnosticCode.CalibrationInputsMismatch, missing.Code);
        Assert.Contains("no tensor for model input 'y'", missing.Message, StringComparison.Ordinal);
        Assert.Equal(DiagnosticCode.CalibrationInputsMismatch, extra.Code);
        Assert.Contains("'extra.npy' matches none", extra.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShapesMustFitFixedDimensionsAndTypesMustMatch()
    {
        var inputs = new SampleBinding(TwoInputModel());
        // x is [N, 4] with N symbolic: any batch fits.
        inputs.Bind(new Sample("ok", [SampleTensor.FromFloats(null, [5, 4], new float[20]), SampleTensor.FromFloats(null, [1, 3], new float[3])]));

        var shape = Assert.Throws<ModelOptException>(() => inputs.Bind(new Sample("bad",
            [SampleTensor.FromFloats(null, [2, 5], new float[10], "bad/x.npy"), SampleTensor.FromFloats(null, [1, 3], new float[3])])));
        var type = Assert.Throws<ModelOptException>(() => inputs.Bind(new Sample("int",
            [new SampleTensor(null, ElementType.Int64, [2, 4], new byte[64], "int/x.npy"), SampleTensor.FromFloats(null, [1, 3], new float[3])])));

        Assert.Equal(DiagnosticCode.CalibrationShapeMismatch, shape.Code);
        Assert.Contains("FLOAT[2,5], but model input 'x' is FLOAT[N,4]", shape.Message, StringComparison.Ordinal);
        Assert.Equal("bad/x.npy", shape.FilePath);
        Assert.Equal(DiagnosticCode.CalibrationShapeMismatch, type.Code);
        Assert.Contains("INT64[2,4], but model input 'x' is FLOAT[N,4]", type.Message, StringComparison.Ordinal);
    }

    /// <summary>x FLOAT[N, 4] (symbolic batch) and y FLOAT[1, 3]; an initializer that IR 3 also lists as an input.</summary>
    private static OnnxModel TwoInputModel()
    {
        var b = new GraphBuilder();
        var x = new Value("x", new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)ElementType.Float,
                Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = "N" }, new TensorShapeProto.Types.Dimension { DimValue = 4 } } },
            },
        });
        b.Graph.Inputs.Add(x);
        var y = b.Input("y", 1, 3);
        var w = b.Weight("w", [4, 3], new float[12]);
        b.Graph.Inputs.Add(w);
        var z = b.Op("Add", [b.Op("MatMul", [x, w], "xw"), y], "z");
        return b.Output(z).Build(8);
    }

    private static float[] Floats(SampleTensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray();
}
