using System.Runtime.InteropServices;
using ModelOpt.Core.Data;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;
using ModelOpt.Runtime.Validation;

namespace ModelOpt.Runtime.Tests.Validation;

/// <summary>
/// Samples generated from a model's declared inputs (<see cref="SampleSet.Generate"/>, computed
/// from the IR) and sample folders, as the accuracy gate runs them.
/// </summary>
public sealed class GeneratedSamplesTests : IDisposable
{
    private readonly SessionFactory _sessions = new();

    public void Dispose() => _sessions.Dispose();

    [Fact]
    public void GeneratedFloatsAreThePinnedSequenceAndRepeat()
    {
        using var model = ValidationModels.LinearModel();
        var first = SampleSet.Generate(model, "linear.onnx");
        var second = SampleSet.Generate(model, "linear.onnx");

        var samples = first.Samples().ToList();
        Assert.Equal(SampleSet.DefaultGeneratedSampleCount, samples.Count);
        Assert.Equal("generated_0", samples[0].Name);
        var tensor = Assert.Single(samples[0].Tensors);
        Assert.Equal("x", tensor.Name);
        Assert.Equal(ElementType.Float, tensor.ElementType);
        Assert.Equal([2L, 4L], tensor.Shape);

        // Pinned: (SplitMix64(DefaultSeed).Next() >> 40) / 2^23 - 1, computed independently (Python, exact in binary).
        var values = MemoryMarshal.Cast<byte, float>(tensor.Data.Span);
        Assert.Equal(0.9694598913192749f, values[0]);
        Assert.Equal(0.28108155727386475f, values[1]);
        Assert.Equal(0.6678696870803833f, values[2]);
        Assert.Equal(-0.6046764850616455f, values[3]);

        // Every value in [-1, 1), and the second enumeration (and a second Generate) give the same bytes.
        var all = samples.SelectMany(s => MemoryMarshal.Cast<byte, float>(s.Tensors[0].Data.Span).ToArray()).ToArray();
        Assert.All(all, v => Assert.InRange(v, -1f, 0.99999994f));
        Assert.True(all.Average() is > -0.3f and < 0.3f);
        foreach (var again in new[] { first.Samples().ToList(), second.Samples().ToList() })
        {
            Assert.Equal(samples.Count, again.Count);
            for (int i = 0; i < samples.Count; i++) Assert.True(samples[i].Tensors[0].Data.Span.SequenceEqual(again[i].Tensors[0].Data.Span));
        }
        Assert.Contains("8 generated inputs (seed " + SampleSet.DefaultSeed, first.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    public void GeneratedInputsAreTheInputsOnnxRuntimeReports(long irVersion)
    {
        // W is an initializer listed as a graph input too (required before IR 4, an overridable default after):
        // neither the generator nor ONNX Runtime treats it as an input to fill.
        using var model = ValidationModels.LinearModel();
        model.Graph.Inputs.Add(model.Graph.Initializers.Single(v => v.Name == "W"));
        model.IrVersion = irVersion;
        var sample = Assert.Single(SampleSet.Generate(model, null, count: 1).Samples());

        var session = _sessions.Validation(OnnxModelWriter.ToBytes(model));
        Assert.Equal(session.InputNames, sample.Tensors.Select(t => t.Name));
        var tensor = sample.Tensors[0];
        Assert.Equal(session.InputMetadata["x"].Dimensions.Select(d => (long)d), tensor.Shape);
        Assert.Equal((int)session.InputMetadata["x"].ElementDataType, (int)tensor.ElementType);
    }

    [Fact]
    public void ResNet18GetsTheInputOnnxRuntimeReports()
    {
        using var model = OnnxModelReader.Load(TestData.ResNet18Path);
        var sample = Assert.Single(SampleSet.Generate(model, TestData.ResNet18Path, count: 1).Samples());
        var session = _sessions.Validation(OnnxModelWriter.ToBytes(model));
        var tensor = Assert.Single(sample.Tensors);
        Assert.Equal(Assert.Single(session.InputNames), tensor.Name);
        Assert.Equal(session.InputMetadata[tensor.Name!].Dimensions.Select(d => (long)d), tensor.Shape);
        Assert.Equal(ElementType.Float, tensor.ElementType);
    }

    [Fact]
    public void ASeedGivesItsOwnSequence()
    {
        var inputs = SampleSet.Generate(ValidationModels.LinearModel(), null, count: 1, seed: 42);
        var values = MemoryMarshal.Cast<byte, float>(Assert.Single(inputs.Samples()).Tensors[0].Data.Span);
        Assert.Equal(0.48312973976135254f, values[0]);
        Assert.Equal(-0.680179238319397f, values[1]);
        Assert.Equal(-0.44279778003692627f, values[2]);
    }

    [Fact]
    public void ALeadingSymbolicDimensionBecomesOne()
    {
        var inputs = SampleSet.Generate(ValidationModels.ReluModel("batch", "4"), "relu.onnx", count: 2);
        Assert.All(inputs.Samples(), s => Assert.Equal([1L, 4L], s.Tensors[0].Shape));
    }

    [Fact]
    public void AnOpenNonBatchDimensionNeedsInputShapes()
    {
        using var ir = ValidationModels.ReluModel("N", "3", "L");
        var e = Assert.Throws<ModelOptException>(() => SampleSet.Generate(ir, "/models/seq.onnx"));
        Assert.Equal(DiagnosticCode.ValidationInputsInvalid, e.Code);
        Assert.Equal("MOPT0181", e.Code);
        Assert.Equal("/models/seq.onnx", e.FilePath);
        Assert.StartsWith("/models/seq.onnx: error MOPT0181: ", e.ToCanonicalString(), StringComparison.Ordinal);
        Assert.Contains("input 'x'", e.Message, StringComparison.Ordinal);
        Assert.Contains("dimension 2 ('L')", e.Message, StringComparison.Ordinal);
        Assert.Contains("[N,3,L]", e.Message, StringComparison.Ordinal);
        Assert.Contains("InputShapes", e.Message, StringComparison.Ordinal);
        Assert.Contains("x=1,3,224", e.Message, StringComparison.Ordinal);

        var fixedShape = SampleSet.Generate(ir, "/models/seq.onnx", new Dictionary<string, long[]> { ["x"] = [2, 3, 5] }, count: 1);
        var tensor = Assert.Single(fixedShape.Samples()).Tensors[0];
        Assert.Equal([2L, 3L, 5L], tensor.Shape);
        Assert.Equal(30 * sizeof(float), tensor.Data.Length);

        // And the comparison runs on them.
        byte[] model = OnnxModelWriter.ToBytes(ir);
        var result = ModelComparison.Compare(_sessions, model, model, fixedShape);
        Assert.Equal(30, Assert.Single(result.Outputs).Elements);
    }

    [Theory]
    [InlineData("y", "2,3,5", "not an input")]
    [InlineData("x", "2,3", "does not fit")]
    [InlineData("x", "2,4,5", "does not fit")]
    public void InputShapesThatDoNotFitAreRejected(string name, string shape, string expected)
    {
        using var model = ValidationModels.ReluModel("N", "3", "L");
        var shapes = new Dictionary<string, long[]> { [name] = [.. shape.Split(',').Select(long.Parse)] };
        var e = Assert.Throws<ModelOptException>(() => SampleSet.Generate(model, "m.onnx", shapes));
        Assert.Equal(DiagnosticCode.ValidationInputsInvalid, e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntegersAreZeroAndBoolsTrue()
    {
        var g = new GraphBuilder("ints");
        var ids = g.Input("ids", ElementType.Int64, 2, 3);
        var mask = g.Input("mask", ElementType.Bool, 2, 3);
        g.Output(g.Op("Identity", [ids], "ids_out"), ElementType.Int64);
        g.Output(g.Op("Not", [mask], "mask_out"), ElementType.Bool);
        using var ir = g.Build(13);
        byte[] model = OnnxModelWriter.ToBytes(ir);

        var sample = Assert.Single(SampleSet.Generate(ir, null, count: 1).Samples());
        Assert.Equal(ElementType.Int64, sample.Tensors[0].ElementType);
        Assert.Equal(6 * sizeof(long), sample.Tensors[0].Data.Length);
        Assert.All(sample.Tensors[0].Data.ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(ElementType.Bool, sample.Tensors[1].ElementType);
        Assert.Equal(6, sample.Tensors[1].Data.Length);
        // A BOOL input is most often a mask: true lets every position take part.
        Assert.All(sample.Tensors[1].Data.ToArray(), b => Assert.Equal(1, b));

        // Integer and bool outputs compare as numbers: identical, so cosine 1 and no error.
        var result = ModelComparison.Compare(_sessions, model, model, SampleSet.Generate(ir, null, count: 2));
        Assert.Equal(["ids_out", "mask_out"], result.Outputs.Select(o => o.Output));
        Assert.All(result.Outputs, o => Assert.Equal(0, o.MaxAbsoluteError));
        Assert.All(result.Outputs, o => Assert.Null(o.TopOneAgreement));
        Assert.Equal(1, result.Outputs[1].WorstCosine, 12); // Not(true) = false everywhere: all zero in both, defined as 1
        Assert.Equal(1, result.Outputs[0].WorstCosine); // all zero in both: defined as 1
    }

    [Fact]
    public void AStringInputCannotBeGenerated()
    {
        var g = new GraphBuilder("strings");
        var text = g.Input("text", ElementType.String, 1);
        g.Output(g.Op("Identity", [text], "out"), ElementType.String);
        using var model = g.Build(13);

        var e = Assert.Throws<ModelOptException>(() => SampleSet.Generate(model, "text.onnx"));
        Assert.Equal(DiagnosticCode.ValidationInputsInvalid, e.Code);
        Assert.Contains("'text'", e.Message, StringComparison.Ordinal);
        Assert.Contains("STRING", e.Message, StringComparison.Ordinal);
        Assert.Contains("ValidationData", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFolderOfNpyFilesIsReadAndCompared()
    {
        using var folder = new TempFolder();
        var rows = new[] { new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [-1, 0, 1, 0, -1, 0, 1, 0] };
        for (int i = 0; i < rows.Length; i++) SampleFiles.NpyFloats(folder.File($"sample_{i}.npy"), [2, 4], rows[i]);

        var inputs = SampleSet.FromFolder(folder.Path, "CalibrationData", SamplePurpose.Validation);
        Assert.Equal("CalibrationData folder " + folder.Path, inputs.Description);
        var result = ModelComparison.Compare(_sessions, ValidationModels.Linear(), ValidationModels.Linear(biasShift: 0.5f), inputs);
        Assert.Equal(2, result.SampleCount);
        Assert.Equal(inputs.Description, result.Source);
        Assert.Equal(0.5, Assert.Single(result.Outputs).MaxAbsoluteError, 5);
    }

    [Fact]
    public void AMissingOrEmptyFolderIsValidationInputsInvalid()
    {
        using var folder = new TempFolder();
        var missing = Assert.Throws<ModelOptException>(() => SampleSet.FromFolder(folder.File("nope"), "ValidationData", SamplePurpose.Validation));
        Assert.Equal(DiagnosticCode.ValidationInputsInvalid, missing.Code);
        Assert.Contains("ValidationData folder", missing.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        var empty = Assert.Throws<ModelOptException>(() => SampleSet.FromFolder(folder.Path, "ValidationData", SamplePurpose.Validation));
        Assert.Equal(DiagnosticCode.ValidationInputsInvalid, empty.Code);
        Assert.Contains("holds no .pb or .npy", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASampleOfTheWrongShapeIsValidationInputsInvalid()
    {
        var inputs = SampleSet.FromSamples([ValidationModels.Sample("odd", [2, 5], new float[10])]);
        byte[] model = ValidationModels.Linear();
        var e = Assert.Throws<ModelOptException>(() => ModelComparison.Compare(_sessions, model, model, inputs, "linear.onnx"));
        Assert.Equal(DiagnosticCode.ValidationInputsInvalid, e.Code);
        Assert.Contains("validation sample 'odd'", e.Message, StringComparison.Ordinal);
        Assert.Contains("[2,5]", e.Message, StringComparison.Ordinal);
    }
}
