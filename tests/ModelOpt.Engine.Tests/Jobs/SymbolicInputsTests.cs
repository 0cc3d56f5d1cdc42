using System.Runtime.InteropServices;
using ModelOpt.Core.Data;
using ModelOpt.Engine.Gate;
using ModelOpt.Engine.Jobs;
using ModelOpt.Engine.Options;
using ModelOpt.Engine.Reports;
using ModelOpt.Onnx.Diagnostics;
using ModelOpt.Onnx.Ir;
using ModelOpt.Onnx.Serialization;
using ModelOpt.Runtime.Execution;

namespace ModelOpt.Engine.Tests.Jobs;

/// <summary>Zero-config jobs on models with symbolic input dimensions: shapes sized by the graph or by running the original, never a failed first build.</summary>
public sealed class SymbolicInputsTests
{
    [Fact]
    public void A_classifier_over_N_3_H_W_gets_a_probed_image_size()
    {
        var report = Optimize(SymbolicModels.Classifier(), []);
        var shape = Assert.Single(report.ResolvedInputShapes);
        Assert.Equal([1L, 3L, 224L, 224L], shape.Shape);
        Assert.Equal(ShapeSource.Probed, shape.Source);
        Assert.Contains("inputs x=1,3,224,224 (probed)", report.SummaryLine(), StringComparison.Ordinal);
        Assert.Equal(ValidationInputKind.Indicative, report.ValidationInputs);
        Assert.True(report.Accuracy.Passed);
        Assert.NotNull(report.Latency);
        Assert.Contains("Inputs: generated (indicative", ReportWriter.Markdown(report), StringComparison.Ordinal);
        Assert.Contains("Set ValidationData", ReportWriter.Markdown(report), StringComparison.Ordinal);
    }

    [Fact]
    public void A_recognizer_over_N_3_48_W_gets_a_probed_width()
    {
        var report = Optimize(SymbolicModels.Recognizer(), []);
        Assert.Equal([1L, 3L, 48L, 320L], Assert.Single(report.ResolvedInputShapes).Shape);
        Assert.Contains("inputs x=1,3,48,320 (probed)", report.SummaryLine(), StringComparison.Ordinal);
        Assert.True(report.Accuracy.Passed);
    }

    [Fact]
    public void InputShapes_still_wins_and_is_named()
    {
        var report = Optimize(SymbolicModels.Recognizer(), [("input-shapes", "x=1,3,48,96")]);
        Assert.Contains("inputs x=1,3,48,96 (InputShapes)", report.SummaryLine(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_no_candidate_runs_fails_with_the_sizes_tried_unless_the_gate_is_off()
    {
        var e = Assert.Throws<ModelOptException>(() => Optimize(SymbolicModels.MultipleOfSeven(), []));
        Assert.Equal(DiagnosticCode.ValidationInputsInvalid, e.Code);
        Assert.Contains("x=1,128; x=1,64; x=1,32; x=1,16", e.Message, StringComparison.Ordinal);
        Assert.Contains("InputShapes", e.Message, StringComparison.Ordinal);

        var report = Optimize(SymbolicModels.MultipleOfSeven(), [("min-cosine-similarity", "0")]);
        Assert.Equal(ValidationInputKind.None, report.ValidationInputs);
        Assert.Null(report.Latency);
        Assert.Empty(report.NodeErrors);
        var note = Assert.Single(report.Notes);
        Assert.Contains("no validation inputs", note, StringComparison.Ordinal);
        Assert.Contains("x=1,128", note, StringComparison.Ordinal);
        Assert.Contains("not validated (gate off, no inputs)", report.SummaryLine(), StringComparison.Ordinal);
        Assert.Contains("Note: no validation inputs", ReportWriter.Markdown(report), StringComparison.Ordinal);
    }

    [Fact]
    public void Arctic_embed_xs_optimizes_with_default_options_on_meaningful_token_inputs()
    {
        using var folder = new TempFolder();
        string path = ArcticXs.ModelPath;

        using (var model = OnnxModelReader.Load(path))
        using (var sessions = new SessionFactory())
        {
            long vocabulary = model.Graph.AllNodes().Where(n => n.OpType == "Gather" && n.Inputs[1]?.Name == "input_ids")
                .Select(n => n.Inputs[0]!.Initializer!.Dims[0]).Single();
            var inputs = AccuracyCheck.InputsFor(OptimizationOptions.Parse([], null, "test"), model, path, sessions, OnnxModelWriter.ToBytes(model));
            var sample = inputs.Samples().First();
            var ids = MemoryMarshal.Cast<byte, long>(sample.Tensors.Single(t => t.Name == "input_ids").Data.Span).ToArray();
            Assert.All(ids, id => Assert.InRange(id, 0, vocabulary - 1));
            Assert.True(ids.Distinct().Count() > 1);
            Assert.All(MemoryMarshal.Cast<byte, long>(sample.Tensors.Single(t => t.Name == "attention_mask").Data.Span).ToArray(), v => Assert.Equal(1, v));
            Assert.All(MemoryMarshal.Cast<byte, long>(sample.Tensors.Single(t => t.Name == "token_type_ids").Data.Span).ToArray(), v => Assert.Equal(0, v));
            Assert.All(inputs.ResolvedShapes, s => Assert.Equal([1L, 128L], s.Shape));
        }

        var report = new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(path, folder.File("out.onnx"), null, null, null, Options([("latency-runs", "1")])));
        Assert.Contains("input_ids=1,128 (probed)", report.SummaryLine(), StringComparison.Ordinal);
        Assert.True(File.Exists(folder.File("out.onnx")));
    }

    private static OptimizationReport Optimize(OnnxModel model, IEnumerable<(string, string)> pairs)
    {
        using var folder = new TempFolder();
        string path = folder.File("model.onnx");
        using (model) OnnxModelWriter.Save(model, path);
        return new OptimizationEngine(TextWriter.Null).Run(new OptimizationJob(path, folder.File("out.onnx"), null, folder.File("report.md"), null, Options(pairs)));
    }

    private static OptimizationOptions Options(IEnumerable<(string Option, string Value)> pairs)
        => OptimizationOptions.Parse(pairs.Select(p => KeyValuePair.Create(p.Option, p.Value)), null, "test");
}
